// JSON forms of the configuration results: `config` (the effective settings and where each came
// from) and `reload` (what changed). PROTOCOL.md lists the fields.
#include "bgsync/proto/codec.hpp"

#include "fields.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

namespace bgsync::proto {
namespace json = boost::json;
using detail::text;

namespace {

json::value text_or_null(const std::optional<std::string>& value) {
  return value ? json::value(text(*value)) : json::value(nullptr);
}

json::array names(const std::vector<std::string>& list) {
  json::array array;
  array.reserve(list.size());
  for (const auto& name : list) array.push_back(text(name));
  return array;
}

Result<std::vector<std::string>> required_names(const json::object& o, std::string_view field) {
  const json::value* value = detail::find_field(o, field);
  if (value == nullptr) return detail::missing_field(field);
  const std::string requirement = "must be an array of option names";
  if (!value->is_array()) return detail::bad_field(field, requirement);
  std::vector<std::string> list;
  for (const json::value& element : value->get_array()) {
    if (!element.is_string()) return detail::bad_field(field, requirement);
    list.emplace_back(element.get_string());
  }
  return list;
}

json::object to_json(const ConfigSetting& setting) {
  json::object o;
  o["name"] = text(setting.name);
  o["value"] = text_or_null(setting.value);
  o["source"] = text(setting.source);
  o["reloadable"] = setting.reloadable;
  if (setting.pending) o["pending"] = text(*setting.pending);
  return o;
}

Result<ConfigSetting> setting_from_json(const json::object& o) {
  ConfigSetting s;
  if (auto r = detail::required_string(o, "name")) s.name = std::move(*r); else return r.error();
  if (auto r = detail::optional_string(o, "value")) s.value = std::move(*r); else return r.error();
  if (auto r = detail::optional_string(o, "source")) s.source = r->value_or("default"); else return r.error();
  if (auto r = detail::optional_bool(o, "reloadable")) s.reloadable = r->value_or(false); else return r.error();
  if (auto r = detail::optional_string(o, "pending")) s.pending = std::move(*r); else return r.error();
  return s;
}

}  // namespace

json::object to_json(const ConfigInfo& info) {
  json::array settings;
  settings.reserve(info.settings.size());
  for (const auto& setting : info.settings) settings.push_back(to_json(setting));
  json::object o;
  o["config_file"] = text_or_null(info.config_file);
  o["config_file_found"] = info.config_file_found;
  o["socket"] = text(info.socket);
  o["state_dir"] = text(info.state_dir);
  o["settings"] = std::move(settings);
  return o;
}

Result<ConfigInfo> config_info_from_json(const json::object& o) {
  ConfigInfo info;
  if (auto r = detail::optional_string(o, "config_file")) info.config_file = std::move(*r); else return r.error();
  if (auto r = detail::optional_bool(o, "config_file_found")) {
    info.config_file_found = r->value_or(false);
  } else {
    return r.error();
  }
  if (auto r = detail::required_string(o, "socket")) info.socket = std::move(*r); else return r.error();
  if (auto r = detail::required_string(o, "state_dir")) info.state_dir = std::move(*r); else return r.error();
  const json::value* settings = detail::find_field(o, "settings");
  if (settings == nullptr) return detail::missing_field("settings");
  if (!settings->is_array()) return detail::bad_field("settings", "must be an array of setting objects");
  for (const json::value& element : settings->get_array()) {
    if (!element.is_object()) return detail::bad_field("settings", "must be an array of setting objects");
    auto setting = setting_from_json(element.get_object());
    if (!setting) return setting.error();
    info.settings.push_back(std::move(*setting));
  }
  return info;
}

json::object to_json(const ReloadResult& result) {
  return json::object{{"changed", names(result.changed)}, {"restart_needed", names(result.restart_needed)}};
}

Result<ReloadResult> reload_result_from_json(const json::object& o) {
  ReloadResult result;
  if (auto r = required_names(o, "changed")) result.changed = std::move(*r); else return r.error();
  if (auto r = required_names(o, "restart_needed")) result.restart_needed = std::move(*r); else return r.error();
  return result;
}

}  // namespace bgsync::proto
