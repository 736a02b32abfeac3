#include "core/remote/sftp_fetch.h"

#include "core/remote/ssh_session_impl.h"

#include <libssh2_sftp.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

namespace r1wb::remote {
namespace fs = std::filesystem;
namespace {

constexpr size_t kReadBuffer = 2 << 20;  // libssh2 keeps up to 4x this in flight as 30 kB requests

std::string hex(const unsigned char* d, unsigned n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) s += digits[d[i] >> 4], s += digits[d[i] & 15];
  return s;
}

}  // namespace

std::string sha256_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    EVP_DigestUpdate(ctx.get(), buf.data(), size_t(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &n);
  return hex(digest, n);
}

std::string sha256_of_text(const std::string& bytes) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &n);
  return hex(digest, n);
}

FetchResult sftp_fetch(SshSession& ssh, const std::string& remote_path, const std::string& local_path,
                       const std::function<void(const FetchProgress&)>& progress) {
  auto& impl = ssh.impl();
  LIBSSH2_SESSION* s = impl.session;
  libssh2_session_set_blocking(s, 1);
  const std::string where = ssh.endpoint().host + ":" + remote_path;
  LIBSSH2_SFTP* sftp = libssh2_sftp_init(s);
  if (!sftp) throw SshBroken("sftp " + where + ": cannot start SFTP: " + impl.last_error());
  std::unique_ptr<LIBSSH2_SFTP, int (*)(LIBSSH2_SFTP*)> sftp_guard(sftp, libssh2_sftp_shutdown);
  LIBSSH2_SFTP_HANDLE* h = libssh2_sftp_open(sftp, remote_path.c_str(), LIBSSH2_FXF_READ, 0);
  if (!h) {
    if (libssh2_session_last_errno(s) == LIBSSH2_ERROR_SFTP_PROTOCOL)
      throw std::runtime_error("sftp " + where + ": cannot open it (SFTP status " +
                               std::to_string(libssh2_sftp_last_error(sftp)) + ": no such file, or not readable)");
    throw SshBroken("sftp " + where + ": " + impl.last_error());
  }
  std::unique_ptr<LIBSSH2_SFTP_HANDLE, int (*)(LIBSSH2_SFTP_HANDLE*)> handle_guard(h, libssh2_sftp_close_handle);
  LIBSSH2_SFTP_ATTRIBUTES attrs{};
  if (libssh2_sftp_fstat(h, &attrs) != 0) throw SshBroken("sftp " + where + ": cannot stat it: " + impl.last_error());
  FetchResult r;
  r.bytes = attrs.filesize;

  // Resume from the partial file when it is not longer than the remote one.
  const std::string partial = local_path + ".partial";
  std::error_code ec;
  fs::create_directories(fs::path(local_path).parent_path(), ec);
  uint64_t have = fs::exists(partial) ? fs::file_size(partial) : 0;
  if (have > r.bytes) have = 0;
  r.resumed_from = have;
  FILE* out = std::fopen(partial.c_str(), have > 0 ? "r+b" : "wb");
  if (!out) throw std::runtime_error("cannot write " + partial);
  std::unique_ptr<FILE, int (*)(FILE*)> out_guard(out, std::fclose);
  std::fseek(out, long(have), SEEK_SET);
  libssh2_sftp_seek64(h, have);

  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  std::vector<char> buf(kReadBuffer);
  uint64_t done = have;
  auto last_report = start;
  while (done < r.bytes) {
    const ssize_t n = libssh2_sftp_read(h, buf.data(), buf.size());
    if (n < 0) throw SshBroken("sftp " + where + ": reading failed at byte " + std::to_string(done) + ": " + impl.last_error());
    if (n == 0) break;
    if (std::fwrite(buf.data(), 1, size_t(n), out) != size_t(n)) throw std::runtime_error("cannot write " + partial);
    done += uint64_t(n);
    if (progress && (std::chrono::steady_clock::now() - last_report > std::chrono::milliseconds(200) || done == r.bytes)) {
      std::fflush(out);
      last_report = std::chrono::steady_clock::now();
      progress({done, r.bytes, elapsed()});
    }
  }
  r.seconds = elapsed();
  if (std::fflush(out) != 0 || ::fsync(fileno(out)) != 0) throw std::runtime_error("cannot write " + partial);
  out_guard.reset();
  if (done != r.bytes)
    throw std::runtime_error("sftp " + where + ": the file ended at byte " + std::to_string(done) + " of " +
                             std::to_string(r.bytes) + " (it changed while fetched?); " + partial + " kept");

  // The whole file's digest on both sides.
  const auto remote = ssh.exec("sha256sum -- " + shell_quote(remote_path));
  if (remote.exit_status != 0) throw std::runtime_error("sha256sum " + where + " failed: " + remote.err);
  const std::string theirs = remote.out.substr(0, remote.out.find(' '));
  r.sha256 = sha256_of_file(partial);
  if (r.sha256 != theirs) {
    const std::string kept = local_path + ".sha256-mismatch";
    fs::rename(partial, kept, ec);
    throw std::runtime_error("sftp " + where + ": the fetched bytes' SHA-256 " + r.sha256 + " is not the host's " +
                             theirs + "; nothing was put in place (the bytes are kept in " + kept + ")");
  }
  fs::rename(partial, local_path);
  return r;
}

}  // namespace r1wb::remote
