// Tells the researcher that a run finished or failed, even when the window is buried: a
// freedesktop desktop notification over D-Bus (what GNOME, KDE and most Linux desktops
// show), a tray balloon where there is a tray but no notification service, and always a
// line in the window. A failure carries its reason and the run's last log lines, so the
// notification alone says what went wrong.
#pragma once
#include <QObject>
#include <QString>

class QSystemTrayIcon;

namespace r1wb::views {

struct RunNotification {
  QString title;  //!< "tiny-moe-3 failed"
  QString body;   //!< reason and last log lines
  QString via;    //!< "desktop", "tray" or "window"
};

class RunNotifier : public QObject {
  Q_OBJECT
 public:
  explicit RunNotifier(QObject* parent = nullptr);
  //! Sends one notification; returns how it went out.
  const RunNotification& notify(const QString& title, const QString& body, bool failure);
  const RunNotification& last() const { return last_; }
  int count() const { return count_; }

 signals:
  //! Emitted for every notification; the window shows it in its own banner.
  void notified(const RunNotification& n, bool failure);

 private:
  bool send_desktop(const QString& title, const QString& body, bool failure);
  QSystemTrayIcon* tray_ = nullptr;
  RunNotification last_;
  int count_ = 0;
};

}  // namespace r1wb::views
