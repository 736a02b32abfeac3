// Helpers shared by the views tests: the demo experiment as JSON, and pixel checks.
#pragma once
#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QImage>
#include <QSet>
#include <QString>

namespace r1wb::views::test {

inline QString source_path(const QString& rel) { return QStringLiteral(R1WB_TEST_SOURCE_DIR "/") + rel; }

//! Where a test saves a screenshot for people to look at.
inline QString screenshot_path(const QString& name) {
  QDir().mkpath(R1WB_SCREENSHOT_DIR);
  return QDir(R1WB_SCREENSHOT_DIR).filePath(name);
}

//! experiments/tiny-moe.json, parsed.
inline nlohmann::json tiny_moe() {
  QFile f(source_path("experiments/tiny-moe.json"));
  if (!f.open(QIODevice::ReadOnly)) return nlohmann::json::object();
  return nlohmann::json::parse(f.readAll().toStdString());
}

//! Distinct colours in an image (capped), to tell a drawn panel from a blank one.
inline int colour_count(const QImage& image, int cap = 4096) {
  QSet<QRgb> seen;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) {
      seen.insert(image.pixel(x, y));
      if (seen.size() >= cap) return cap;
    }
  return int(seen.size());
}

}  // namespace r1wb::views::test
