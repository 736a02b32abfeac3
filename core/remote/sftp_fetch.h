// Fetching a file from a host over SFTP (the session's own connection): into DEST.partial,
// resuming from what a broken fetch left there, with reads pipelined (libssh2 keeps requests in
// flight for a large read buffer; plain 32 KiB reads reach about half of scp), progress as it
// goes; then the whole local file's SHA-256 is compared with `sha256sum` run on the host, and only
// a match is renamed to DEST. A mismatch is refused naming both digests, and the bad bytes are kept
// as DEST.sha256-mismatch for a look (the next fetch starts over), never renamed into place.
#pragma once
#include "core/remote/ssh_session.h"

#include <cstdint>
#include <functional>
#include <string>

namespace r1wb::remote {

struct FetchProgress {
  uint64_t done = 0, total = 0;
  double seconds = 0;  //!< since this fetch began
};

struct FetchResult {
  uint64_t bytes = 0;         //!< the file's size
  uint64_t resumed_from = 0;  //!< bytes a partial fetch had already
  double seconds = 0;         //!< transfer time (the hash check not included)
  std::string sha256;         //!< hex, as sha256sum prints it
};

//! `ssh` must be a session of its own, not one of an SshPool's: the transfer switches the whole
//! session to blocking mode and takes no lock, where a pooled session's channels read without
//! waiting (a bulk transfer is better off on its own connection anyway).
//! Throws std::runtime_error naming the file (no such remote file, a write error, a digest
//! mismatch), or SshBroken when the connection fails (DEST.partial stays, to resume from).
//! `progress` may throw to abandon the fetch (the partial stays too).
FetchResult sftp_fetch(SshSession& ssh, const std::string& remote_path, const std::string& local_path,
                       const std::function<void(const FetchProgress&)>& progress = {});

//! The SHA-256 of a local file, hex.
std::string sha256_of_file(const std::string& path);
//! The SHA-256 of bytes in memory, hex.
std::string sha256_of_text(const std::string& bytes);

}  // namespace r1wb::remote
