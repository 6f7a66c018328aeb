# bash completion for `git bbsot` and `git-bbsot`.
#
# git's own completion (if installed) calls _git_bbsot for `git bbsot ...`, loading this
# file on demand as completions/git-bbsot; `git-bbsot ...` is registered below. The
# function reads only bash's COMP_WORDS and COMP_CWORD, so it needs nothing from git's
# completion script. Options that take a value from a fixed set complete that set; options
# that take free text (URLs, commands, names) complete nothing rather than other options.

_git_bbsot_remotes() { git remote 2>/dev/null; }
_git_bbsot_branches() { git for-each-ref --format='%(refname:short)' refs/heads 2>/dev/null; }

# The values of a value-taking option, or the empty string with status 1 when `opt` takes
# no value (then the caller completes options and operands instead).
_git_bbsot_values() {
  local sub="$1" opt="$2"
  case "$sub:$opt" in
    init:--type) echo "bitbucket bitbucket_server" ;;
    init:--fetch-branches | init:--prune-branches | init:--build-pull-requests | init:--resync-pull-requests)
      echo "true false" ;;
    init:--mirror-remote | init:--source-remote) _git_bbsot_remotes ;;
    init:--default-branch | sync:--parent) _git_bbsot_branches ;;
    init:--secret-env | init:--token-env | init:--report-secret-env) compgen -e ;;
    init:--repository | init:--url | init:--project | init:--key | init:--secret-command | init:--username | \
      init:--token-command | init:--token-url | init:--hook-url | init:--report-secret-command | \
      init:--secret | init:--token) ;;
    *) return 1 ;;
  esac
  return 0
}

_git_bbsot() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" opt=""
  ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD - 1]}"
  local cmds="init status doctor approve sync webhook wait report token hook uninstall demo version help"
  # The first word after "bbsot" (or after git-bbsot itself) is the subcommand; git's own
  # options before it (git -C dir bbsot ...) are skipped with the word "bbsot".
  local i start=1
  if [[ ${COMP_WORDS[0]} != *git-bbsot ]]; then
    for ((i = 1; i < COMP_CWORD; i++)); do
      if [[ ${COMP_WORDS[i]} == bbsot ]]; then
        start=$((i + 1))
        break
      fi
    done
  fi
  local sub="" operands=()
  for ((i = start; i < COMP_CWORD; i++)); do
    local w="${COMP_WORDS[i]}"
    if [[ -z $sub ]]; then
      [[ $w == -* ]] || sub="$w"
      continue
    fi
    # Operands after the subcommand, skipping options and the values they took.
    if [[ $w == -* || $w == "=" ]]; then
      continue
    fi
    local before="${COMP_WORDS[i - 1]}"
    [[ $before == "=" ]] && before="${COMP_WORDS[i - 2]}"
    if [[ $before == --* ]] && _git_bbsot_values "$sub" "$before" >/dev/null; then
      continue
    fi
    operands+=("$w")
  done

  # --opt VALUE and --opt=VALUE (bash splits the latter at "=" by default).
  if [[ $cur == "=" ]]; then
    opt="$prev"
    cur=""
  elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
    opt="${COMP_WORDS[COMP_CWORD - 2]}"
  elif [[ $cur == --*=* ]]; then
    opt="${cur%%=*}"
    cur="${cur#*=}"
  else
    opt="$prev"
  fi
  if [[ -n $sub && $opt == --* ]]; then
    local values
    if values="$(_git_bbsot_values "$sub" "$opt")"; then
      _git_bbsot_reply "$values" "$cur"
      return 0
    fi
  fi

  local words=""
  case "$sub" in
    "") words="$cmds --help --version" ;;
    init) words="--type --repository --url --project --key --secret-command --secret-env --username
                 --token-command --token-env --token-url --fetch-branches --prune-branches
                 --build-pull-requests --resync-pull-requests --hook-url --no-hook-url --default-branch
                 --mirror-remote --source-remote --report-secret-command --report-secret-env
                 --move-report-secret --yes --global --webhook --help" ;;
    status) words="--no-fetch --json --help" ;;
    doctor) words="--json --help" ;;
    sync)
      words="--parent --no-push --help"
      ((${#operands[@]} == 0)) && words="$words $(_git_bbsot_branches)"
      ;;
    report)
      case "${operands[0]-}" in
        "") words="list flush send retry drop --help" ;;
        list) words="--json --help" ;;
        retry) words="--all --help" ;;
        flush | drop | send) words="--help" ;;
      esac
      ;;
    webhook) words="--fix --dry-run --set-secret --json --help" ;;
    wait)
      words="--timeout --appear-timeout --json --help"
      ((${#operands[@]} == 0)) && words="$words $(_git_bbsot_branches)"
      ;;
    approve) words="--list --yes --help" ;;
    token) words="--refresh --print --json --help" ;;
    hook) ((${#operands[@]} == 0)) && words="pre-push reference-transaction" ;;
    uninstall) words="--global --help" ;;
    demo) words="--keep --help" ;;
    version) words="" ;;
    help) ((${#operands[@]} == 0)) && words="$cmds" ;;
  esac
  _git_bbsot_reply "$words" "$cur"
}

# git's completion registers itself with -o nospace and adds the space after a finished
# word itself, so under it (`git bbsot ...`) each word carries its own; for `git-bbsot`,
# registered below without nospace, bash adds it.
_git_bbsot_reply() {
  local suffix=""
  [[ ${COMP_WORDS[0]} == *git-bbsot ]] || suffix=" "
  COMPREPLY=($(compgen -W "$1" -- "$2"))
  local i
  for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]="${COMPREPLY[i]}$suffix"; done
}
complete -F _git_bbsot git-bbsot
