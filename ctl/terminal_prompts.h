// What r1wb-ctl asks on the terminal: a key's passphrase, read from /dev/tty with echo off, once
// per key per command (the SSH layer never asks twice; a reconnect replays the answer), and a
// host's keyboard-interactive questions (a one-time code), each once, echoed only where the host
// allows. Without a terminal (a script, CI) nothing is asked: the key is skipped and a host that
// wants a code refuses, as ssh's BatchMode does.
#pragma once
#include "core/remote/ssh_session.h"

namespace r1wb::ctl {

remote::Prompts terminal_prompts();

}  // namespace r1wb::ctl
