#include "outbox/plan.hpp"

namespace bbsot {

namespace {

// Deleting a branch on Bitbucket removes the platform's branch only when pruning is on.
std::string describe_deletion(const std::string& name, const IntegrationConfig& in) {
  if (name == in.default_branch)
    return name + ": default branch deleted on Bitbucket; the integration does not delete the production environment";
  if (in.prune_branches) return name + ": branch deleted on Bitbucket; the integration will delete its environment";
  return name + ": branch deleted on Bitbucket; the platform keeps its branch and environment (prune_branches is off)";
}

// The default branch is the production (parent) environment, never a new child of itself.
std::string describe_creation(const std::string& name, const IntegrationConfig& in) {
  if (name == in.default_branch)
    return name + ": new default branch; the integration will build the production environment from it";
  return name + ": new branch; the integration will create an inactive environment with " + in.default_branch +
         " as its parent";
}

}  // namespace

std::string short_ref_name(const std::string& ref) {
  for (const char* p : {"refs/heads/", "refs/tags/"})
    if (ref.starts_with(p)) return ref.substr(std::char_traits<char>::length(p));
  return ref;
}

std::string describe_change(const RefChange& c, const IntegrationConfig& in) {
  const std::string name = short_ref_name(c.ref);
  if (c.is_tag) return "tag " + name + (c.closed ? " deleted" : " pushed") + ": no environment changes";
  // Without fetch_branches the integration keeps only the default branch in sync.
  const bool mirrored = in.fetch_branches || name == in.default_branch;
  if (!mirrored) return name + ": not mirrored by the integration (fetch_branches is off)";
  if (c.closed) return describe_deletion(name, in);
  if (c.created) return describe_creation(name, in);
  // git leaves a non-fast-forward update out of the hook's input when it knows the
  // remote's tip, so an update whose old tip is unknown here is the one case where the
  // input does not say whether git will refuse it: it is the same with or without --force.
  if (c.old_unknown)
    return name +
           ": the remote has commits you do not have; git rejects this push unless forced (fetch first); if forced, "
           "the integration rebuilds the environment";
  return name + ": updated; the integration will rebuild its environment";
}

}  // namespace bbsot
