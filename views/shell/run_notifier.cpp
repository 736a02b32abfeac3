#include "views/shell/run_notifier.h"

#include "views/shell/app_icon.h"

#include <QApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QVariantMap>

namespace r1wb::views {

RunNotifier::RunNotifier(QObject* parent) : QObject(parent) {}

bool RunNotifier::send_desktop(const QString& title, const QString& body, bool failure) {
  QDBusConnection bus = QDBusConnection::sessionBus();
  if (!bus.isConnected() || !bus.interface() ||
      !bus.interface()->isServiceRegistered("org.freedesktop.Notifications").value())
    return false;
  QDBusMessage m = QDBusMessage::createMethodCall("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                                  "org.freedesktop.Notifications", "Notify");
  QVariantMap hints;
  hints["urgency"] = QVariant::fromValue<uchar>(failure ? 2 : 1);
  hints["desktop-entry"] = QString(kAppId);
  m << QString("R1 Workbench") << uint(0) << QString(kAppId) << title << body << QStringList() << hints
    << int(failure ? 0 : 8000);  // failures stay until dismissed
  return bus.send(m);
}

const RunNotification& RunNotifier::notify(const QString& title, const QString& body, bool failure) {
  QString via = "window";
  if (send_desktop(title, body, failure)) {
    via = "desktop";
  } else if (QSystemTrayIcon::isSystemTrayAvailable()) {
    if (!tray_) {
      tray_ = new QSystemTrayIcon(app_icon(), this);
      tray_->show();
    }
    tray_->showMessage(title, body, failure ? QSystemTrayIcon::Critical : QSystemTrayIcon::Information, 8000);
    via = "tray";
  }
  last_ = {title, body, via};
  ++count_;
  emit notified(last_, failure);
  return last_;
}

}  // namespace r1wb::views
