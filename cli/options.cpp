#include "cli/options.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "base/error.hpp"
#include "base/text.hpp"
#include "git/git_cli.hpp"

namespace bbsot {

ParsedArgs parse_args(const std::string& command, const std::string& usage, const std::string& about,
                      po::options_description opts, const Args& args, size_t max_positional) {
  opts.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(opts).add_options()("operand", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("operand", -1);
  ParsedArgs out;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), out.vm);
    po::notify(out.vm);
  } catch (const po::error& e) {
    throw ConfigError("git bbsot " + command + ": " + e.what(), {"usage: " + usage});
  }
  if (out.vm.count("help")) {
    std::cout << "usage: " << usage << "\n\n" << about << "\n\n" << opts << "\n";
    out.help = true;
    return out;
  }
  if (out.vm.count("operand")) out.positional = out.vm["operand"].as<std::vector<std::string>>();
  if (out.positional.size() > max_positional)
    throw ConfigError("git bbsot " + command + ": unexpected argument '" + out.positional[max_positional] + "'",
                      {"usage: " + usage});
  return out;
}

namespace {

enum class ColourSetting { Unset, Never, Always, Auto };

// git's colour booleans (git_config_colorbool): never/always/auto, and any boolean, where
// true means auto. `[color] ui` with no value is true.
ColourSetting colour_setting(const std::string& key) {
  auto v = git_config_get(key);
  if (!v || !*v) return ColourSetting::Unset;  // unset, or no git to ask: git's default
  const std::string s = ascii_lower(**v);
  if (s == "never" || s == "false" || s == "no" || s == "off" || s == "0") return ColourSetting::Never;
  if (s == "always") return ColourSetting::Always;
  if (s == "auto" || s == "true" || s == "yes" || s == "on" || s == "1" || s.empty()) return ColourSetting::Auto;
  print_warning(key + ": '" + **v + "' is not a colour setting; using auto (write always, never, auto, true or false)");
  return ColourSetting::Auto;
}

}  // namespace

bool use_colour() {
  static const bool colour = [] {
    // color.bbsot for bbsot alone (as color.status is for git status), else color.ui.
    ColourSetting setting = colour_setting("color.bbsot");
    if (setting == ColourSetting::Unset) setting = colour_setting("color.ui");
    if (setting == ColourSetting::Never) return false;
    // An explicit "always" in the user's own config outranks NO_COLOR, as no-color.org
    // asks of configuration files and command-line settings.
    if (setting == ColourSetting::Always) return true;
    const char* nc = std::getenv("NO_COLOR");
    if (nc != nullptr && *nc != '\0') return false;
    // auto, as git decides it: stdout is a terminal that is not dumb (an unset TERM is).
    const char* term = std::getenv("TERM");
    return ::isatty(1) && term != nullptr && std::string(term) != "dumb";
  }();
  return colour;
}

}  // namespace bbsot
