// The bridge that hosts a Dear ImGui UI inside a Qt widget tree.
//
// Each ImGuiWidget owns one ImGuiContext and makes it current at every entry point
// (initializeGL, resizeGL, paintGL, input events, teardown), so several panels can live in
// one window without sharing ImGui state. Qt mouse, wheel and key input is mapped into
// ImGui's IO; frames are rendered through ImGui's own OpenGL 3 backend into the widget's
// framebuffer. It repaints on input and when a subclass calls update() after its data
// changed, never in a loop. Subclasses implement draw_ui() and draw only from data they
// own (a copied snapshot), never from the store or the runner.
#pragma once
#include <QElapsedTimer>
#include <QOpenGLFunctions>
#include <QOpenGLWidget>

struct ImFont;
struct ImGuiContext;

namespace r1wb::views {

class ImGuiWidget : public QOpenGLWidget, protected QOpenGLFunctions {
  Q_OBJECT
 public:
  explicit ImGuiWidget(QWidget* parent = nullptr);
  ~ImGuiWidget() override;

  //! This widget's ImGui context (for tests and subclasses).
  ImGuiContext* imgui_context() const { return ctx_; }
  //! Frames rendered so far; lets a test see that a repaint happened.
  int frame_count() const { return frames_; }

 protected:
  //! Builds this frame's UI with ImGui calls; the context is current, a frame is open.
  virtual void draw_ui() = 0;
  //! A bold face of the UI font for titles (the regular one when none is installed).
  ImFont* bold_font() const { return bold_; }

  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;

  void mouseMoveEvent(QMouseEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void keyReleaseEvent(QKeyEvent* e) override;
  void leaveEvent(QEvent* e) override;
  void focusOutEvent(QFocusEvent* e) override;

 private:
  class Scope;  // makes ctx_ current for one entry point, restores the previous one
  void release_gl();
  void after_input();
  void set_key(QKeyEvent* e, bool down);

  ImGuiContext* ctx_ = nullptr;
  ImFont* bold_ = nullptr;
  bool gl_ready_ = false;
  int frames_ = 0;
  int extra_frames_ = 0;  // ImGui reacts to input one frame late: paint a couple more
  int style_dark_ = -1;   // the palette the ImGui colours were last set for
  QElapsedTimer clock_;
};

}  // namespace r1wb::views
