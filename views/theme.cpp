#include "views/theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace r1wb::views {

void apply_workbench_theme(QApplication& app) {
  if (QStyle* fusion = QStyleFactory::create("Fusion")) app.setStyle(fusion);
  QPalette p = app.style()->standardPalette();
  p.setColor(QPalette::Window, QColor(242, 243, 245));
  p.setColor(QPalette::WindowText, QColor(33, 35, 38));
  p.setColor(QPalette::Base, Qt::white);
  p.setColor(QPalette::AlternateBase, QColor(247, 248, 250));
  p.setColor(QPalette::Text, QColor(33, 35, 38));
  p.setColor(QPalette::Button, QColor(236, 237, 240));
  p.setColor(QPalette::ButtonText, QColor(33, 35, 38));
  p.setColor(QPalette::Highlight, QColor(31, 102, 170));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::ToolTipBase, QColor(255, 255, 238));
  p.setColor(QPalette::ToolTipText, QColor(33, 35, 38));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(150, 153, 158));
  p.setColor(QPalette::Disabled, QPalette::Text, QColor(150, 153, 158));
  p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(150, 153, 158));
  app.setPalette(p);
}

}  // namespace r1wb::views
