// The application's icon (resources/icons: the SVG rendered at the sizes desktops want),
// compiled into the views library, for the window, the tray and the notifications.
#pragma once
#include <QIcon>

namespace r1wb::views {

//! The R1 Workbench icon at 16 to 256 pixels.
QIcon app_icon();
//! The name of the installed icon and .desktop entry (resources/): io.github.r1wb.Workbench.
inline constexpr const char* kAppId = "io.github.r1wb.Workbench";

}  // namespace r1wb::views
