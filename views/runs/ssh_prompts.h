// How the app reaches hosts and answers what an SSH host asks: a key's passphrase (asked once per key for the
// whole app session, then replayed) and a host's keyboard-interactive questions (a one-time
// code: asked each time a connection needs one; core/remote never retries a refused answer and
// a remote run's job asks only on its first connection). SSH connections are made on worker
// threads; the questions are shown on the GUI thread (a modal input dialog over the active
// window) while the worker waits. close_ssh_prompts() (the window going away) answers every
// waiting and later question "not given", so no worker waits on a dialog that will never come
// while the window joins it; open_ssh_prompts() (a window made) asks again.
#pragma once
#include "core/remote/ssh_pool.h"
#include "core/remote/ssh_session.h"

#include <memory>

namespace r1wb::views {

//! The app's prompts, shared by every panel and job that connects.
const remote::Prompts& ssh_prompts();
//! From now on nothing is asked (questions waiting for the GUI are answered "not given").
void close_ssh_prompts();
//! Questions are asked again.
void open_ssh_prompts();

//! The app's connections, one per host, shared by its remote runs and its panels (probe,
//! cluster queue, install, delete): a two-factor host asks its code once, not at every refresh.
//! A fetch opens its own (a bulk SFTP transfer is better off alone).
const std::shared_ptr<remote::SshPool>& app_ssh_pool();

}  // namespace r1wb::views
