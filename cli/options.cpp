#include "cli/options.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "base/error.hpp"

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

bool use_colour() {
  const char* nc = std::getenv("NO_COLOR");
  return ::isatty(1) && (nc == nullptr || *nc == '\0');
}

}  // namespace bbsot
