# bash completion for netlab(1). Installed as share/bash-completion/completions/netlab.
#
# Verbs, options (and which take a value, and what it may be), topology files, lab names, node
# names, NODE:IF of the lab in use and the words of wait, link and node are all asked from netlab
# itself (`netlab complete ...`), never written here. Needs no bash-completion helpers; uses _command_offset for the
# command of exec, run, start and wait's cmd when bash-completion is loaded.

_netlab_ask()
{
	"$_netlab_cmd" complete "$@" 2>/dev/null
}

_netlab_files()
{
	compopt -o filenames 2>/dev/null
	COMPREPLY+=($(compgen -f -X '!*.conf' -- "$cur") $(compgen -d -S / -- "$cur"))
	compopt -o nospace 2>/dev/null
}

# _netlab_command CI: words[CI] onwards are a command line of their own (exec NODE CMD, start
# NODE CMD, run FILE -- CMD, wait NODE cmd -- CMD): complete them as bash would on their own
# line, not with netlab's options.
_netlab_command()
{
	local -i k off=0 at=0
	local rest=$line blanks

	if ! declare -F _command_offset >/dev/null; then
		if (($1 == ${#words[@]} - 1)); then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -c -- "$cur"))
		else
			compopt -o default 2>/dev/null
		fi
		return
	fi
	# Our words are split at blanks only; COMP_WORDS also at COMP_WORDBREAKS (--lab=x is three
	# words there). Find the COMP_WORDS index of the word that starts where words[CI] does, the
	# way _command_offset itself walks COMP_LINE.
	for ((k = 0; k <= $1; k++)); do
		blanks=${rest%%[![:space:]]*}
		rest=${rest#"$blanks"}
		((off += ${#blanks}))
		((k == $1)) && break
		rest=${rest#"${words[k]}"}
		((off += ${#words[k]}))
	done
	rest=$COMP_LINE
	for ((k = 0; k < COMP_CWORD; k++)); do
		while [[ -n $rest && $rest != "${COMP_WORDS[k]}"* ]]; do
			rest=${rest:1}
			((at++))
		done
		((at >= off)) && break
		rest=${rest#"${COMP_WORDS[k]}"}
		((at += ${#COMP_WORDS[k]}))
	done
	_command_offset "$k"
}

# The positional argument number pos of verb (options and their values not counted).
_netlab_args()
{
	case $verb in
	up | check | run)
		((pos == 0)) && _netlab_files ;;
	down | status | graph)
		if ((pos == 0)); then
			COMPREPLY=($(compgen -W "$(_netlab_ask labs)" -- "$cur"))
			_netlab_files
		fi ;;
	exec | start | stop | logs)
		((pos == 0)) && COMPREPLY=($(compgen -W "$(_netlab_ask nodes $lab)" -- "$cur")) ;;
	wait | node)
		if ((pos == 0)); then
			COMPREPLY=($(compgen -W "$(_netlab_ask nodes $lab)" -- "$cur"))
		elif ((pos == 1)); then
			COMPREPLY=($(compgen -W "$(_netlab_ask words "$verb")" -- "$cur"))
		elif ((pos == 2)) && [[ $verb == wait && $p1 == not ]]; then
			COMPREPLY=($(compgen -W "$(_netlab_ask words wait | grep -vx not)" -- "$cur"))
		fi ;;
	link)
		if ((pos == 0)); then
			COMPREPLY=($(compgen -W "$(_netlab_ask endpoints $lab)" -- "$cur"))
		elif ((pos == 1)); then
			COMPREPLY=($(compgen -W "$(_netlab_ask words link)" -- "$cur"))
		elif [[ " ${words[*]:vi+1:n-vi-1} " == *" set "* ]]; then
			COMPREPLY=($(compgen -W "$(_netlab_ask words link-set)" -- "$cur"))
			compopt -o nospace 2>/dev/null
		fi ;;
	capture)
		((pos == 0)) && COMPREPLY=($(compgen -W "$(_netlab_ask endpoints $lab)" -- "$cur")) ;;
	esac
}

_netlab()
{
	local IFS=$' \t\n' line words cur prev tail verb= lab= opts p1= kind
	local -i vi=0 i n pos=0 ci=0
	COMPREPLY=()
	# Our own words, not COMP_WORDS: ':' and '=' are word breaks for bash, and NODE:IF and
	# --lab=LAB are one word each.
	line=${COMP_LINE:0:COMP_POINT}
	read -ra words <<<"$line"
	[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	n=$((${#words[@]} - 1)) # the current word
	cur=${words[n]}
	prev=${words[n - 1]:-}
	_netlab_cmd=${words[0]:-netlab}

	for ((i = 1; i < n; i++)); do
		case ${words[i]} in
		-*) ;;
		*) verb=${words[i]} vi=$i; break ;;
		esac
	done
	if [[ -z $verb ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-v --verbose -q --quiet -h --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_netlab_ask verbs) help" -- "$cur"))
		fi
		return
	fi
	# The verb's options, one a line, each followed by what completes its value if it takes one.
	opts=$(_netlab_ask options "$verb")
	# One pass over the words after the verb: the lab (-l X, --lab X, --lab=X), the number of
	# positional arguments before the current word (p1: the second), and ci, the word where a
	# command of the user's starts (after `--` of run, start and wait's cmd; after NODE in exec,
	# where netlab's options end; the word after NODE in start). Words from there on are that
	# command's.
	for ((i = vi + 1; i < n; i++)); do
		if ((pos == 1)) && [[ $verb == exec || ($verb == start && ${words[i]} != -*) ]]; then
			ci=$i
			break
		fi
		case ${words[i]} in
		--)
			ci=$((i + 1))
			break ;;
		-l | --lab)
			lab=${words[i + 1]}
			((i++)) ;;
		--lab=*)
			lab=${words[i]#--lab=} ;;
		-*)
			[[ $'\n'$opts == *$'\n'"${words[i]} "* ]] && ((i++)) ;; # an option's value
		*)
			((pos == 1)) && p1=${words[i]}
			((pos++)) ;;
		esac
	done
	# The command's own name is being typed (i > n: the current word is an option's value).
	if ((!ci && pos == 1 && i == n)) && [[ $verb == exec || ($verb == start && $cur != -*) ]]; then
		ci=$n
	fi
	if ((ci)); then
		_netlab_command "$ci"
		return
	fi

	# The value of the option before: what netlab says it may be.
	kind=
	[[ $prev == --lab ]] && kind=@labs
	[[ $prev == -* && $'\n'$opts == *$'\n'"$prev "* ]] && kind=$(printf '%s\n' "$opts" |
		while read -r o k; do [[ $o == "$prev" ]] && printf '%s' "$k"; done)
	case $kind in
	@labs)
		COMPREPLY=($(compgen -W "$(_netlab_ask labs)" -- "$cur")) ;;
	@files)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur")) ;;
	-) ;;
	?*)
		COMPREPLY=($(compgen -W "$kind" -- "$cur")) ;;
	*)
		if [[ $cur == --lab=* ]]; then
			COMPREPLY=($(compgen -P --lab= -W "$(_netlab_ask labs)" -- "${cur#--lab=}"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(printf '%s\n' "$opts" | cut -d' ' -f1)" -- "$cur"))
		else
			_netlab_args
		fi ;;
	esac

	# bash replaces only what follows the last ':' or '=' of the word (when they break words).
	tail=$cur
	[[ $COMP_WORDBREAKS == *:* ]] && tail=${tail##*:}
	[[ $COMP_WORDBREAKS == *=* ]] && tail=${tail##*=}
	if [[ $tail != "$cur" ]]; then
		COMPREPLY=("${COMPREPLY[@]#"${cur%"$tail"}"}")
	fi
}
complete -F _netlab netlab
