# bash completion for `git bbsot` (loaded by git's completion as _git_bbsot) and git-bbsot.
_git_bbsot() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local cmds="init status doctor sync webhook wait report token hook uninstall demo version help"
  local i sub=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      bbsot) ;;
      -*) ;;
      *) sub="${COMP_WORDS[i]}"; break ;;
    esac
  done
  local words=""
  case "$sub" in
    "") words="$cmds --help --version" ;;
    init) words="--type --repository --url --project --key --secret-command --secret-env --username
                 --token-command --token-env --token-url --fetch-branches --prune-branches
                 --build-pull-requests --resync-pull-requests --hook-url --default-branch
                 --mirror-remote --source-remote --report-secret-command --report-secret-env --global
                 --webhook --help" ;;
    status) words="--no-fetch --json --help" ;;
    doctor) words="--json --help" ;;
    webhook) words="--fix --dry-run --set-secret --json --help" ;;
    wait) words="--timeout --appear-timeout --json --help $(git for-each-ref --format='%(refname:short)' refs/heads 2>/dev/null)" ;;
    sync) words="--parent --no-push --help $(git for-each-ref --format='%(refname:short)' refs/heads 2>/dev/null)" ;;
    report) words="list flush drop --json --help" ;;
    token) words="--refresh --print --json --help" ;;
    hook) words="pre-push reference-transaction" ;;
    uninstall) words="--global --help" ;;
    demo) words="--keep --help" ;;
    help) words="$cmds" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _git_bbsot git-bbsot
