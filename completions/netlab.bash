# bash completion for netlab(1). Installed as share/bash-completion/completions/netlab.
#
# Verbs, options, topology files, lab names, node names and NODE:IF of the lab in use are all
# asked from netlab itself (`netlab complete ...`, `netlab VERB --help`), never written here.
# Needs no bash-completion helpers.

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

_netlab()
{
	local IFS=$' \t\n' line words cur prev verb= vi=0 i pos=0 lab=
	COMPREPLY=()
	# Our own words, not COMP_WORDS: ':' is a word break for bash, and NODE:IF is one word.
	line=${COMP_LINE:0:COMP_POINT}
	read -ra words <<<"$line"
	[[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
	cur=${words[${#words[@]} - 1]}
	prev=${words[${#words[@]} - 2]:-}
	_netlab_cmd=${words[0]:-netlab}

	for ((i = 1; i < ${#words[@]} - 1; i++)); do
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
	for ((i = vi + 1; i < ${#words[@]} - 1; i++)); do
		case ${words[i]} in
		-l | --lab) lab=${words[i + 1]} ;;
		--lab=*) lab=${words[i]#--lab=} ;;
		esac
	done

	case $prev in
	-l | --lab)
		COMPREPLY=($(compgen -W "$(_netlab_ask labs)" -- "$cur"))
		return ;;
	-w | --write | -o | --output | --artifacts)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W "dot svg" -- "$cur"))
		return ;;
	-c | --count | -s | --snaplen | --timeout | --name)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$_netlab_cmd" "$verb" --help 2>/dev/null |
			grep -oE -- '--?[a-zA-Z][a-zA-Z-]*' | sort -u)" -- "$cur"))
		return
	fi
	for ((i = vi + 1; i < ${#words[@]} - 1; i++)); do
		case ${words[i]} in
		-l | --lab | -w | --write | -c | --count | -o | --output | --format | -s | --snaplen | \
			--timeout | --artifacts | --name) ((i++)) ;;
		-*) ;;
		*) ((pos++)) ;;
		esac
	done

	case $verb in
	up | check | run)
		((pos == 0)) && _netlab_files ;;
	down | status | graph)
		if ((pos == 0)); then
			COMPREPLY=($(compgen -W "$(_netlab_ask labs)" -- "$cur"))
			_netlab_files
		fi ;;
	exec)
		if ((pos == 0)); then
			COMPREPLY=($(compgen -W "$(_netlab_ask nodes $lab)" -- "$cur"))
		elif ((pos == 1)); then
			COMPREPLY=($(compgen -c -- "$cur"))
		else
			compopt -o default 2>/dev/null
		fi ;;
	wait | start | stop | logs | node)
		((pos == 0)) && COMPREPLY=($(compgen -W "$(_netlab_ask nodes $lab)" -- "$cur")) ;;
	link | capture)
		((pos == 0)) && COMPREPLY=($(compgen -W "$(_netlab_ask endpoints $lab)" -- "$cur")) ;;
	esac

	# bash replaces only what follows the last ':' of the word.
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local strip=${cur%"${cur##*:}"}
		COMPREPLY=("${COMPREPLY[@]#"$strip"}")
	fi
}
complete -F _netlab netlab
