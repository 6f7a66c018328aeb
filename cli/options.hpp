// Option parsing shared by the `git bbsot` subcommands (Boost.Program_options): the same
// --help, the same one-line usage errors with exit code 2.
#pragma once
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cli/commands.hpp"

namespace bbsot {

namespace po = boost::program_options;

struct ParsedArgs {
  po::variables_map vm;
  std::vector<std::string> positional;
  bool help = false;  // --help was given and printed: the command returns 0
};

// `usage`: the synopsis line(s) without "usage: ". Unknown options, bad values or more
// than `max_positional` operands throw ConfigError naming the problem and the usage.
ParsedArgs parse_args(const std::string& command, const std::string& usage, const std::string& about,
                      po::options_description opts, const Args& args, size_t max_positional);

// Whether a command colours its stdout, by git's rules: color.bbsot, else color.ui
// (never/false: no; always: yes; auto/true/unset: when stdout is a terminal and TERM is
// set and not "dumb"), plus NO_COLOR, which turns auto off (an explicit "always" wins).
// git -c color.ui=... works too: git passes it on to the git config this asks.
// Every command that colours asks this, and nothing else.
bool use_colour();

}  // namespace bbsot
