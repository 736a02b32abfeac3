// The experiment as a form generated from the schema (config_schema.h): one group per
// section ("model.moe", "train", ...), one editor per field chosen by its type (spin box,
// number field, check box, choice list, text), the schema's description as tooltip. List
// fields (curriculum phases) are edited in the JSON beside it.
//
// The form holds no document of its own: the editor shows the JSON text's values in it
// (set_document) and applies each edit the user makes to the text (field_edited), so the
// text stays the one source and its undo history covers both.
#pragma once
#include "core/config/config.h"

#include <QString>
#include <QWidget>

#include <map>
#include <string>
#include <vector>

class QVBoxLayout;

namespace r1wb::views {

class ConfigForm : public QWidget {
  Q_OBJECT
 public:
  explicit ConfigForm(QWidget* parent = nullptr);

  //! Shows the values of `doc` (schema defaults for absent fields) and marks the fields that
  //! `errors` name. A null doc (the text does not parse) disables the form.
  void set_document(const nlohmann::json& doc, const std::vector<ConfigError>& errors);
  //! The editor widget of a field, or nullptr.
  QWidget* field_widget(const std::string& path) const;
  //! True when the field is marked with an error.
  bool field_marked(const std::string& path) const;
  //! The error shown on a field, or empty.
  QString field_error(const std::string& path) const;

 signals:
  //! The user changed a field: `value_json` is the new value as JSON text.
  void field_edited(const QString& path, const QString& value_json);

 private:
  struct Field {
    QWidget* editor = nullptr;
    QString tooltip;
    QString error;
  };
  void build();
  void mark(const std::string& path, const QString& error);
  std::map<std::string, Field> fields_;
  bool updating_ = false;
};

}  // namespace r1wb::views
