#include "views/shell/theme.h"

#include <QApplication>
#include <QLabel>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace r1wb::views {

void apply_workbench_theme(QApplication& app, Theme theme) {
  if (QStyle* fusion = QStyleFactory::create("Fusion")) app.setStyle(fusion);
  QPalette p = app.style()->standardPalette();
  const bool dark = theme == Theme::Dark;
  const QColor window = dark ? QColor(37, 39, 43) : QColor(242, 243, 245);
  const QColor text = dark ? QColor(222, 224, 228) : QColor(33, 35, 38);
  const QColor disabled = dark ? QColor(115, 119, 126) : QColor(150, 153, 158);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, dark ? QColor(28, 30, 33) : Qt::white);
  p.setColor(QPalette::AlternateBase, dark ? QColor(34, 36, 40) : QColor(247, 248, 250));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, dark ? QColor(50, 53, 58) : QColor(236, 237, 240));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::Highlight, dark ? QColor(52, 120, 190) : QColor(31, 102, 170));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::ToolTipBase, dark ? QColor(55, 58, 64) : QColor(255, 255, 238));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, dark ? QColor(150, 154, 160) : QColor(110, 114, 120));
  p.setColor(QPalette::Mid, dark ? QColor(80, 84, 90) : QColor(190, 193, 198));
  p.setColor(QPalette::Dark, dark ? QColor(120, 124, 130) : QColor(130, 134, 140));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, disabled);
  p.setColor(QPalette::Disabled, QPalette::Text, disabled);
  p.setColor(QPalette::Disabled, QPalette::WindowText, disabled);
  app.setPalette(p);
}

Theme theme_from_name(const QString& name) { return name == "dark" ? Theme::Dark : Theme::Light; }

QString theme_name(Theme theme) { return theme == Theme::Dark ? "dark" : "light"; }

QLabel* section_title(const QString& text, QWidget* parent) {
  auto* label = new QLabel(text, parent);
  QFont f = label->font();
  f.setBold(true);
  label->setFont(f);
  return label;
}

}  // namespace r1wb::views
