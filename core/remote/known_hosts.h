// Host key checking against OpenSSH's known_hosts, as ssh does it and never silently: a key is
// known (an entry for this host with this key), unknown (no entry for this host and key type:
// shown with its fingerprint for an explicit trust step), changed (an entry for this host and
// type with another key: refused, naming the entry), or revoked (@revoked). Entries: comma-
// separated host patterns (`*`, `?`, `!` negation; "[host]:port" for a port other than 22) or
// one hashed name (|1|salt|HMAC-SHA1 of the name, `ssh-keygen -H`), a key type and the base64
// key; @cert-authority lines are not host keys and are skipped. Fingerprints are SHA256 of the
// key blob in unpadded base64, as `ssh-keygen -lf` prints them.
#pragma once
#include <string>
#include <vector>

namespace r1wb::remote {

enum class HostKeyVerdict { Known, Unknown, Changed, Revoked };

struct HostKeyCheck {
  HostKeyVerdict verdict = HostKeyVerdict::Unknown;
  std::string fingerprint;             //!< of the key offered: "SHA256:..."
  std::string entry;                   //!< Known/Changed/Revoked: "FILE:LINE" of the deciding entry
  std::vector<std::string> other_types;  //!< Unknown: key types this host is known with
  //! A sentence for the user: what was found and, for Unknown and Changed, what to do.
  std::string message;
};

//! `key_blob` the raw public key (the SSH wire format, what libssh2_session_hostkey gives) of
//! type `key_type` ("ssh-ed25519"), offered by `host` on `port`.
HostKeyCheck check_host_key(const std::string& known_hosts, const std::string& file, const std::string& host,
                            int port, const std::string& key_type, const std::string& key_blob);
//! "SHA256:<unpadded base64 of SHA-256(blob)>".
std::string sha256_fingerprint(const std::string& key_blob);
//! The known_hosts line that trusts the key: "host type base64" ("[host]:port" off port 22).
std::string known_hosts_line(const std::string& host, int port, const std::string& key_type,
                             const std::string& key_blob);
//! Appends known_hosts_line to `file` (created 0600 with its directory 0700 when missing), in one
//! write, after a newline if the file does not end in one. The explicit trust step.
void trust_host_key(const std::string& file, const std::string& host, int port, const std::string& key_type,
                    const std::string& key_blob);

std::string base64_encode(const std::string& bytes, bool pad = true);
//! Throws std::invalid_argument on characters outside the alphabet.
std::string base64_decode(const std::string& text);

}  // namespace r1wb::remote
