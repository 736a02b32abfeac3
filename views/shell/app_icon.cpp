#include "views/shell/app_icon.h"

// Resources compiled into a static library must be registered by name, outside any namespace.
static void register_icon_resources() { Q_INIT_RESOURCE(r1wb); }

namespace r1wb::views {

QIcon app_icon() {
  static const QIcon icon = [] {
    register_icon_resources();
    QIcon i;
    for (int size : {16, 32, 48, 64, 128, 256}) i.addFile(QString(":/r1wb/icon-%1.png").arg(size), QSize(size, size));
    return i;
  }();
  return icon;
}

}  // namespace r1wb::views
