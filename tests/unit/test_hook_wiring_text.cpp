// The files and lines bbsot writes to wire a clone (hooks/wiring_text.hpp): what uninstall
// takes out gives back the file as it was; the lefthook rc script, sourced the way
// lefthook's hooks source it, hands bbsot git's exact arguments and stdin, stops the push
// with bbsot's status, and gives the rest of the hook the same stdin.
#include <stdlib.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "base/files.hpp"
#include "base/process.hpp"
#include "hooks/wiring_text.hpp"

namespace bbsot {
namespace {

namespace fs = std::filesystem;

std::string make_temp_dir(const std::string& tail = "") {
  std::string t = "/tmp/bbsot-unit-XXXXXX";
  std::string d = mkdtemp(t.data());
  if (!tail.empty()) {
    d += "/" + tail;
    fs::create_directories(d);
  }
  return d;
}

void put(const std::string& path, const std::string& text,
         fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr) << path;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  fs::permissions(path, perms);
}

std::string slurp(const std::string& path) {
  auto t = read_file(path);
  return t ? *t : "";
}

TEST(HookWiringText, LinesAddedToAUsersLocalConfigComeOutExactly) {
  const RcValue rc = rc_value("/home/a/shop/.git/bbsot/lefthook-rc.sh");
  for (const std::string original : {"", "pre-commit:\n  commands:\n    a:\n      run: true\n", "no newline at end"}) {
    const std::string added = local_config_added(original, rc);
    EXPECT_TRUE(has_rc_line(added, rc, "lefthook-local.yml")) << added;
    const auto r = local_config_removed(added);
    EXPECT_TRUE(r.changed);
    EXPECT_FALSE(r.remove_file) << "the user's file would be deleted";
    if (original.ends_with('\n') || original.empty())
      EXPECT_EQ(r.text, original);
    else
      EXPECT_EQ(r.text, original + "\n");  // the newline bbsot had to add before its lines
  }
  const auto created = local_config_removed(local_config_created(rc));
  EXPECT_TRUE(created.remove_file);
  EXPECT_FALSE(local_config_removed("rc: /x\n").changed) << "a line bbsot did not write was taken out";
}

TEST(HookWiringText, ExcludeLinesComeOutExactly) {
  const std::string git_default = "# git ls-files --others --exclude-from=.git/info/exclude\n# *~\n";
  const auto r = exclude_removed(exclude_added(git_default));
  EXPECT_EQ(r.text, git_default);
  EXPECT_FALSE(r.remove_file);
  EXPECT_TRUE(exclude_removed(exclude_added(std::nullopt)).remove_file);
  EXPECT_NE(exclude_added(git_default).find("\n/lefthook-local.yml\n"), std::string::npos);
}

TEST(HookWiringText, TopLevelRcIsFoundAndNestedOnesAreNot) {
  EXPECT_EQ(top_level_rc("rc: ~/.lefthookrc\n"), "~/.lefthookrc");
  EXPECT_EQ(top_level_rc("colors: false\n\"rc\" : x.sh\n"), "x.sh");
  EXPECT_EQ(top_level_rc("pre-push:\n  rc: nested\n"), "");
  EXPECT_EQ(top_level_rc("rcfile: x\n"), "");
}

TEST(HookWiringText, OddPathsAreQuotedForTheShellAndForYaml) {
  const RcValue plain = rc_value("/a/b/lefthook-rc.sh");
  EXPECT_EQ(plain.yaml, "/a/b/lefthook-rc.sh");
  const RcValue odd = rc_value("/a b/it's/rc.sh");
  EXPECT_EQ(odd.shell, "'/a b/it'\\''s/rc.sh'");
  EXPECT_EQ(odd.yaml, "'''/a b/it''\\''''s/rc.sh'''");
  EXPECT_EQ(odd.baked, ". " + odd.shell);
}

TEST(HookWiringText, ForwarderAndConfigAreRecognised) {
  EXPECT_TRUE(is_forwarder(forwarder_script(".husky/_/pre-commit")));
  EXPECT_FALSE(is_forwarder("#!/bin/sh\nexec .husky/_/pre-commit \"$@\"\n"));
  EXPECT_NE(own_config_text("/x \"y\"/hooks", ".husky/_").find("hooksPath = \"/x \\\"y\\\"/hooks\"\n"),
            std::string::npos);
}

// Sources the rc script as lefthook's generated hook does ($0 = .git/hooks/<hook>), then
// prints what the rest of the hook gets on stdin.
ProcessResult run_hook(const std::string& work, const RcValue& rc, const std::string& hook,
                       const std::vector<std::string>& args, const std::string& in) {
  std::vector<std::string> argv{
      "sh", "-c", "[ -f " + rc.shell + " ] && . " + rc.shell + "\necho \"rest: $(cat | wc -l)\"", ".git/hooks/" + hook};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions o;
  o.cwd = work;
  o.stdin_data = in;
  auto r = run_process(argv, o);
  EXPECT_TRUE(r.ok());
  return r ? *r : ProcessResult{};
}

TEST(HookWiringText, RcScriptRunsBbsotWithGitsArgumentsAndStdin) {
  const std::string dir = make_temp_dir("it's a dir");
  const std::string work = dir + "/work";
  fs::create_directories(work + "/.git/bbsot");
  const std::string log = dir + "/prog.log";
  // Stands in for bbsot's pre-push: logs argc, each argument and its stdin; exits $PROG_EXIT.
  const std::string prog = dir + "/pre-push";
  put(prog,
      "#!/bin/sh\nexec >>" + sh_quote(log) +
          "\necho \"argc=$#\"\nfor a in \"$@\"; do echo \"arg=$a\"; done\ncat\n"
          "exit \"${PROG_EXIT:-0}\"\n",
      fs::perms::owner_all);
  const RcValue rc = rc_value(work + "/.git/bbsot/lefthook-rc.sh");
  put(rc.path, lefthook_rc_script(prog, rc));

  const std::string url = "../r e;echo INJECTED;x'q.git";
  const std::string in = "refs/heads/a 1111 refs/heads/a 0000\nrefs/heads/b 2222 refs/heads/b 0000\n";
  auto r = run_hook(work, rc, "pre-push", {"origin", url}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rest: 2"), std::string::npos) << "the rest of the hook did not get the push:\n" << r.out;
  EXPECT_EQ(slurp(log), "argc=2\narg=origin\narg=" + url + "\n" + in);
  EXPECT_EQ(r.out.find("INJECTED"), std::string::npos);
  // A worktree without a lefthook-local file gets bbsot's.
  EXPECT_TRUE(local_config_removed(slurp(work + "/lefthook-local.yml")).remove_file);

  ::setenv("PROG_EXIT", "1", 1);
  auto refused = run_hook(work, rc, "pre-push", {"platform", "x"}, in);
  ::unsetenv("PROG_EXIT");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out.find("rest:"), std::string::npos) << "the hook went on after bbsot refused";

  // Other hooks: bbsot's pre-push is not run.
  fs::remove(log);
  auto commit = run_hook(work, rc, "pre-commit", {}, "");
  EXPECT_EQ(commit.exit_code, 0);
  EXPECT_FALSE(fs::exists(log));
  fs::remove_all(dir.substr(0, dir.rfind('/')));
}

TEST(HookWiringText, RcScriptSourcesTheTeamsRc) {
  const std::string work = make_temp_dir();
  fs::create_directories(work + "/.git/bbsot");
  put(work + "/lefthook.yml", "rc: './team-rc.sh'  # the team's\npre-push:\n  scripts: {}\n");
  put(work + "/team-rc.sh", "echo \"team rc for ${0##*/}\"\n");
  const RcValue rc = rc_value(work + "/.git/bbsot/lefthook-rc.sh");
  put(rc.path, lefthook_rc_script("/nonexistent/pre-push", rc));
  auto r = run_hook(work, rc, "pre-commit", {}, "");
  EXPECT_NE(r.out.find("team rc for pre-commit"), std::string::npos) << r.out << r.err;
  fs::remove_all(work);
}

}  // namespace
}  // namespace bbsot
