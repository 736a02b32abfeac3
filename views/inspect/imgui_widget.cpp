#include "views/inspect/imgui_widget.h"

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <QFile>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QTimer>
#include <QWheelEvent>

#include <cfloat>

namespace r1wb::views {

// RAII: our context current for one entry point, the caller's restored afterwards.
class ImGuiWidget::Scope {
 public:
  explicit Scope(ImGuiContext* ctx) : prev_(ImGui::GetCurrentContext()) { ImGui::SetCurrentContext(ctx); }
  ~Scope() { ImGui::SetCurrentContext(prev_); }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  ImGuiContext* prev_;
};

namespace {

// A readable UI font and its bold face when the system has them (the first font added is
// the default); ImGui's built-in bitmap font otherwise. Returns the bold face.
ImFont* load_fonts(ImGuiIO& io) {
  constexpr float kSize = 15.0f;
  for (const char* dir : {"/usr/share/fonts/truetype/dejavu/", "/usr/share/fonts/dejavu/"}) {
    const QString regular = QString(dir) + "DejaVuSans.ttf", bold = QString(dir) + "DejaVuSans-Bold.ttf";
    if (!QFile::exists(regular)) continue;
    ImFont* normal = io.Fonts->AddFontFromFileTTF(regular.toUtf8().constData(), kSize);
    if (!normal) break;
    ImFont* heavy = QFile::exists(bold) ? io.Fonts->AddFontFromFileTTF(bold.toUtf8().constData(), kSize) : nullptr;
    return heavy ? heavy : normal;
  }
  return io.Fonts->AddFontDefault();
}

// ImGui 1.86 keys are indices into io.KeysDown chosen by the backend: ours are the
// ImGuiKey_ values themselves.
int imgui_key(int qt_key) {
  switch (qt_key) {
    case Qt::Key_Tab: return ImGuiKey_Tab;
    case Qt::Key_Left: return ImGuiKey_LeftArrow;
    case Qt::Key_Right: return ImGuiKey_RightArrow;
    case Qt::Key_Up: return ImGuiKey_UpArrow;
    case Qt::Key_Down: return ImGuiKey_DownArrow;
    case Qt::Key_PageUp: return ImGuiKey_PageUp;
    case Qt::Key_PageDown: return ImGuiKey_PageDown;
    case Qt::Key_Home: return ImGuiKey_Home;
    case Qt::Key_End: return ImGuiKey_End;
    case Qt::Key_Insert: return ImGuiKey_Insert;
    case Qt::Key_Delete: return ImGuiKey_Delete;
    case Qt::Key_Backspace: return ImGuiKey_Backspace;
    case Qt::Key_Space: return ImGuiKey_Space;
    case Qt::Key_Return: return ImGuiKey_Enter;
    case Qt::Key_Escape: return ImGuiKey_Escape;
    case Qt::Key_Enter: return ImGuiKey_KeyPadEnter;
    case Qt::Key_A: return ImGuiKey_A;
    case Qt::Key_C: return ImGuiKey_C;
    case Qt::Key_V: return ImGuiKey_V;
    case Qt::Key_X: return ImGuiKey_X;
    case Qt::Key_Y: return ImGuiKey_Y;
    case Qt::Key_Z: return ImGuiKey_Z;
    default: return -1;
  }
}

int imgui_button(Qt::MouseButton b) {
  switch (b) {
    case Qt::LeftButton: return ImGuiMouseButton_Left;
    case Qt::RightButton: return ImGuiMouseButton_Right;
    case Qt::MiddleButton: return ImGuiMouseButton_Middle;
    default: return -1;
  }
}

}  // namespace

ImGuiWidget::ImGuiWidget(QWidget* parent) : QOpenGLWidget(parent) {
  ImGuiContext* prev = ImGui::GetCurrentContext();
  ctx_ = ImGui::CreateContext();
  ImGui::SetCurrentContext(ctx_);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini in the user's working directory
  io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
  for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k;
  bold_ = load_fonts(io);
  ImGui::StyleColorsLight();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0;
  style.WindowBorderSize = 0;
  style.WindowPadding = ImVec2(10, 8);
  ImGui::SetCurrentContext(prev);

  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  clock_.start();
}

ImGuiWidget::~ImGuiWidget() {
  release_gl();
  if (context()) disconnect(context(), nullptr, this, nullptr);  // ~QOpenGLWidget must not call back
  ImGuiContext* prev = ImGui::GetCurrentContext();
  ImGui::SetCurrentContext(ctx_);
  ImGui::DestroyContext(ctx_);
  ImGui::SetCurrentContext(prev == ctx_ ? nullptr : prev);
}

void ImGuiWidget::release_gl() {
  if (!gl_ready_) return;
  makeCurrent();
  {
    Scope scope(ctx_);
    ImGui_ImplOpenGL3_Shutdown();
  }
  doneCurrent();
  gl_ready_ = false;
}

void ImGuiWidget::initializeGL() {
  initializeOpenGLFunctions();
  // Qt recreates the GL context when the widget moves to another top-level window: the
  // backend's GL objects die with the old one, so release them first.
  connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &ImGuiWidget::release_gl, Qt::UniqueConnection);
  Scope scope(ctx_);
  if (gl_ready_) ImGui_ImplOpenGL3_Shutdown();
  const bool core = context()->format().profile() == QSurfaceFormat::CoreProfile;
  gl_ready_ = ImGui_ImplOpenGL3_Init(core ? "#version 150" : "#version 130");
}

void ImGuiWidget::resizeGL(int w, int h) {
  Scope scope(ctx_);
  ImGui::GetIO().DisplaySize = ImVec2(float(w), float(h));
}

void ImGuiWidget::paintGL() {
  Scope scope(ctx_);
  ImGuiIO& io = ImGui::GetIO();
  const float dpr = float(devicePixelRatioF());
  io.DisplaySize = ImVec2(float(width()), float(height()));
  io.DisplayFramebufferScale = ImVec2(dpr, dpr);
  const qint64 ns = clock_.nsecsElapsed();
  clock_.restart();
  io.DeltaTime = ns > 0 ? float(double(ns) * 1e-9) : 1.0f / 60.0f;

  // ImGui's colours follow the Qt palette (light or dark theme), its background exactly.
  const QColor window = palette().color(QPalette::Window);
  const int dark = window.lightness() < 128;
  if (dark != style_dark_) {
    style_dark_ = dark;
    if (dark)
      ImGui::StyleColorsDark();
    else
      ImGui::StyleColorsLight();
    ImGui::GetStyle().Colors[ImGuiCol_WindowBg] =
        ImVec4(float(window.redF()), float(window.greenF()), float(window.blueF()), 1.0f);
  }
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  if (!gl_ready_) return;

  ImGui_ImplOpenGL3_NewFrame();
  ImGui::NewFrame();
  draw_ui();
  ImGui::Render();
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  ++frames_;

  if (extra_frames_ > 0) {
    --extra_frames_;
    QTimer::singleShot(16, this, qOverload<>(&QWidget::update));
  }
}

void ImGuiWidget::after_input() {
  extra_frames_ = 2;
  update();
}

void ImGuiWidget::mouseMoveEvent(QMouseEvent* e) {
  {
    Scope scope(ctx_);
    const QPointF p = e->position();
    ImGui::GetIO().MousePos = ImVec2(float(p.x()), float(p.y()));
  }
  after_input();
}

void ImGuiWidget::mousePressEvent(QMouseEvent* e) {
  {
    Scope scope(ctx_);
    ImGuiIO& io = ImGui::GetIO();
    const QPointF p = e->position();
    io.MousePos = ImVec2(float(p.x()), float(p.y()));
    if (int b = imgui_button(e->button()); b >= 0) io.MouseDown[b] = true;
  }
  after_input();
}

void ImGuiWidget::mouseReleaseEvent(QMouseEvent* e) {
  {
    Scope scope(ctx_);
    if (int b = imgui_button(e->button()); b >= 0) ImGui::GetIO().MouseDown[b] = false;
  }
  after_input();
}

void ImGuiWidget::wheelEvent(QWheelEvent* e) {
  {
    Scope scope(ctx_);
    ImGuiIO& io = ImGui::GetIO();
    io.MouseWheel += float(e->angleDelta().y()) / 120.0f;  // one notch = one unit
    io.MouseWheelH += float(e->angleDelta().x()) / 120.0f;
  }
  after_input();
}

void ImGuiWidget::set_key(QKeyEvent* e, bool down) {
  Scope scope(ctx_);
  ImGuiIO& io = ImGui::GetIO();
  const Qt::KeyboardModifiers m = e->modifiers();
  io.KeyCtrl = m & Qt::ControlModifier;
  io.KeyShift = m & Qt::ShiftModifier;
  io.KeyAlt = m & Qt::AltModifier;
  io.KeySuper = m & Qt::MetaModifier;
  if (int k = imgui_key(e->key()); k >= 0) io.KeysDown[k] = down;
  if (down)
    for (QChar c : e->text())
      if (c.isPrint()) io.AddInputCharacterUTF16(c.unicode());
}

void ImGuiWidget::keyPressEvent(QKeyEvent* e) {
  set_key(e, true);
  after_input();
}

void ImGuiWidget::keyReleaseEvent(QKeyEvent* e) {
  set_key(e, false);
  after_input();
}

void ImGuiWidget::leaveEvent(QEvent* e) {
  {
    Scope scope(ctx_);
    ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  }
  QOpenGLWidget::leaveEvent(e);
  after_input();
}

void ImGuiWidget::focusOutEvent(QFocusEvent* e) {
  {
    Scope scope(ctx_);
    ImGuiIO& io = ImGui::GetIO();
    for (bool& down : io.MouseDown) down = false;
    for (bool& down : io.KeysDown) down = false;
    io.KeyCtrl = io.KeyShift = io.KeyAlt = io.KeySuper = false;
  }
  QOpenGLWidget::focusOutEvent(e);
  after_input();
}

}  // namespace r1wb::views
