// GoogleTest main for the views: one QApplication for all tests, styled like the app so
// screenshots show what users see.
#include "views/shell/theme.h"

#include <gtest/gtest.h>

#include <QApplication>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  QApplication app(argc, argv);
  r1wb::views::apply_workbench_theme(app);
  return RUN_ALL_TESTS();
}
