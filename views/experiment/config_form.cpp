#include "views/experiment/config_form.h"

#include "core/config/config_schema.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleValidator>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <climits>

namespace r1wb::views {
namespace {

using nlohmann::json;

const char* kMarked = "border: 2px solid #c0392b; border-radius: 2px;";

std::string section_of(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? std::string("experiment") : path.substr(0, dot);
}

}  // namespace

ConfigForm::ConfigForm(QWidget* parent) : QWidget(parent) { build(); }

void ConfigForm::build() {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  std::map<std::string, QFormLayout*> groups;
  for (const FieldSpec& f : experiment_schema()) {
    const std::string section = section_of(f.path);
    QFormLayout*& form = groups[section];
    if (!form) {
      auto* box = new QGroupBox(QString::fromStdString(section), this);
      form = new QFormLayout(box);
      form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
      form->setContentsMargins(6, 4, 6, 4);
      form->setVerticalSpacing(3);
      layout->addWidget(box);
    }
    const QString path = QString::fromStdString(f.path);
    QWidget* editor = nullptr;
    switch (f.type) {
      case FieldType::Int: {
        auto* spin = new QSpinBox(this);
        spin->setRange(f.min ? int(std::max<double>(*f.min, INT_MIN)) : INT_MIN,
                       f.max ? int(std::min<double>(*f.max, INT_MAX)) : INT_MAX);
        spin->setKeyboardTracking(false);  // one edit per value, not per keystroke
        connect(spin, &QSpinBox::valueChanged, this, [this, path](int v) {
          if (!updating_) emit field_edited(path, QString::number(v));
        });
        editor = spin;
        break;
      }
      case FieldType::Float:
      case FieldType::String: {
        auto* line = new QLineEdit(this);
        const bool number = f.type == FieldType::Float;
        connect(line, &QLineEdit::editingFinished, this, [this, path, line, number] {
          if (updating_ || !line->isModified()) return;
          line->setModified(false);
          bool ok = false;
          const double v = line->text().toDouble(&ok);
          // A non-number goes to the document as text: validation then names it at this field.
          emit field_edited(
              path, QString::fromStdString(number && ok ? json(v).dump() : json(line->text().toStdString()).dump()));
        });
        editor = line;
        break;
      }
      case FieldType::Bool: {
        auto* box = new QCheckBox(this);
        connect(box, &QCheckBox::toggled, this, [this, path](bool on) {
          if (!updating_) emit field_edited(path, on ? "true" : "false");
        });
        editor = box;
        break;
      }
      case FieldType::Enum: {
        auto* combo = new QComboBox(this);
        for (const auto& c : f.choices) combo->addItem(QString::fromStdString(c));
        connect(combo, &QComboBox::currentTextChanged, this, [this, path](const QString& t) {
          if (!updating_) emit field_edited(path, QString::fromStdString(json(t.toStdString()).dump()));
        });
        editor = combo;
        break;
      }
      case FieldType::List: {
        auto* label = new QLabel(this);
        label->setStyleSheet("color: #6e7278;");
        editor = label;
        break;
      }
    }
    editor->setObjectName("form:" + path);
    const QString tip = path + "\n" + QString::fromStdString(f.description);
    editor->setToolTip(tip);
    auto* label = new QLabel(
        QString::fromStdString(f.path.substr(f.path.rfind('.') == std::string::npos ? 0 : f.path.rfind('.') + 1)),
        this);
    label->setToolTip(tip);
    form->addRow(label, editor);
    fields_[f.path] = {editor, tip, {}};
  }
  layout->addStretch(1);
}

QWidget* ConfigForm::field_widget(const std::string& path) const {
  auto it = fields_.find(path);
  return it == fields_.end() ? nullptr : it->second.editor;
}

bool ConfigForm::field_marked(const std::string& path) const { return !field_error(path).isEmpty(); }

QString ConfigForm::field_error(const std::string& path) const {
  auto it = fields_.find(path);
  return it == fields_.end() ? QString() : it->second.error;
}

void ConfigForm::mark(const std::string& path, const QString& error) {
  Field& f = fields_[path];
  f.error = error;
  f.editor->setStyleSheet(error.isEmpty() ? QString()
                                          : QString(f.editor->metaObject()->className()) + " { " + kMarked + " }");
  f.editor->setToolTip(error.isEmpty() ? f.tooltip : f.tooltip + "\n\n\u2717 " + error);
}

void ConfigForm::set_document(const json& doc, const std::vector<ConfigError>& errors) {
  setEnabled(doc.is_object());
  updating_ = true;
  for (const FieldSpec& f : experiment_schema()) {
    QWidget* w = fields_[f.path].editor;
    json v = value_at(doc, f.path);
    if (v.is_null()) v = f.default_value;
    const QSignalBlocker block(w);
    switch (f.type) {
      case FieldType::Int:
        if (v.is_number()) static_cast<QSpinBox*>(w)->setValue(int(v.get<double>()));
        break;
      case FieldType::Float:
      case FieldType::String: {
        auto* line = static_cast<QLineEdit*>(w);
        if (!line->hasFocus() || !line->isModified()) line->setText(QString::fromStdString(value_text(v)));
        break;
      }
      case FieldType::Bool:
        if (v.is_boolean()) static_cast<QCheckBox*>(w)->setChecked(v.get<bool>());
        break;
      case FieldType::Enum:
        if (v.is_string()) static_cast<QComboBox*>(w)->setCurrentText(QString::fromStdString(v.get<std::string>()));
        break;
      case FieldType::List:
        static_cast<QLabel*>(w)->setText(v.is_array() ? QString("%1 items: edit in the JSON").arg(v.size())
                                                      : QString("edit in the JSON"));
        break;
    }
  }
  updating_ = false;
  // Each error marks the field it names, or the list field an element error sits in.
  std::map<std::string, QString> marks;
  for (const auto& e : errors) {
    std::string p = e.path;
    while (!p.empty() && !fields_.count(p)) {
      const auto cut = p.find_last_of(".[");
      p = cut == std::string::npos ? std::string() : p.substr(0, cut);
    }
    if (p.empty()) continue;
    QString& m = marks[p];
    m += (m.isEmpty() ? "" : "\n") + QString::fromStdString(e.message);
  }
  for (auto& [path, f] : fields_) {
    auto it = marks.find(path);
    if (f.error != (it == marks.end() ? QString() : it->second)) mark(path, it == marks.end() ? QString() : it->second);
  }
}

}  // namespace r1wb::views
