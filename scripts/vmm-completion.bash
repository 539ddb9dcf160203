# SPDX-License-Identifier: MIT
# bash completion for vmm (make install puts it in
# $(PREFIX)/share/bash-completion/completions/vmm; or: source this file).
#
# Nothing is listed here: the commands come from `vmm --help`, each command's
# options (and the trace verbs' options) from `vmm COMMAND --help`, and an
# option's values from its help line (--irqchip=kernel|split|user|all), so the
# completion can't drift from the vmm it runs. A FILE, DIR, LOG, KERNEL or
# TRACE value, and any argument that is not an option, completes file names.

# the vmm being completed: the word typed, if it runs, else vmm on $PATH
_vmm_bin()
{
	local v=${COMP_WORDS[0]}

	v=${v/#\~/$HOME}
	if [[ $v == */* && -x $v ]] || type -P -- "$v" >/dev/null 2>&1; then
		printf '%s\n' "$v"
	else
		printf 'vmm\n'
	fi
}

# the help of "vmm ARGS... --help", cached per vmm and arguments
_vmm_help()
{
	local key="$*"

	if [[ ${_vmm_help_key-} != "$key" ]]; then
		_vmm_help_text=$("$@" --help 2>/dev/null)
		_vmm_help_key=$key
	fi
	printf '%s\n' "$_vmm_help_text"
}

# commands: "usage: vmm run ..." and "       vmm probe ..." lines of vmm --help;
# trace's verbs the same way from vmm trace --help
_vmm_commands()
{
	local pfx=${2:+$2 }

	_vmm_help "$1" $2 | sed -n "s/^\\(usage:\\)\\{0,1\\} *vmm $pfx\\([a-z][a-z-]*\\).*/\\2/p" | sort -u
}

# the option lines of a help text: spaces, then --name or "-n, --name"
_vmm_option_lines()
{
	_vmm_help "$@" | grep -E '^ +(-[a-zA-Z], )?--[a-z]'
}

# options: every --name or --name= on the option lines; --name only where --name= is not one
_vmm_options()
{
	_vmm_option_lines "$@" | grep -oE -- '--[a-z][a-z0-9-]*=?' | sort -u |
		awk '{ o[$0] = 1 } END { for (k in o) if (!((k "=") in o)) print k }' | sort
}

# the value part of an option's help line: --irqchip=kernel|split|user|all -> kernel|split|user|all
_vmm_value_spec()
{
	local opt=$1
	shift
	_vmm_option_lines "$@" | grep -oE -- "(^| )$opt=[^ ]*" | head -n 1 | sed "s/^ *$opt=//"
}

_vmm()
{
	local cur=${COMP_WORDS[COMP_CWORD]} vmm cmd= verb= i w opt= spec
	local -a words=()

	vmm=$(_vmm_bin)
	COMPREPLY=()
	# the command (and trace's verb): the first words that are not options
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		[[ $w == -* || $w == = ]] && continue
		[[ ${COMP_WORDS[i - 1]} == = ]] && continue
		if [[ -z $cmd ]]; then
			cmd=$w
		elif [[ $cmd == trace && -z $verb ]]; then
			verb=$w
		fi
	done
	# --opt=VALUE: bash splits it at '=' (COMP_WORDBREAKS); "--opt=" alone in one word too
	if [[ $cur == = && ${COMP_WORDS[COMP_CWORD - 1]} == --* ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [[ ${COMP_WORDS[COMP_CWORD - 1]} == = && ${COMP_WORDS[COMP_CWORD - 2]} == --* ]]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
	fi
	if [[ -z $cmd && -z $opt && $cur != -* ]]; then
		# a command, or a KERNEL (vmm guest.elf is vmm run guest.elf)
		mapfile -t COMPREPLY < <(compgen -W "$(_vmm_commands "$vmm")" -- "$cur")
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi
	local -a help=("$vmm")
	[[ -n $cmd ]] && help+=("$cmd")
	[[ -n $verb ]] && help+=("$verb")
	[[ $cmd == trace && -z $verb && -z $opt && $cur != -* ]] && {
		mapfile -t COMPREPLY < <(compgen -W "$(_vmm_commands "$vmm" trace)" -- "$cur")
		return 0
	}
	if [[ -n $opt ]]; then
		spec=$(_vmm_value_spec "$opt" "${help[@]}")
		if [[ $spec == *FILE* || $spec == *DIR* || $spec == *TRACE* || $spec == *KERNEL* ||
		      $spec == *LOG* || $spec == *OUT* || $spec == *VMM* ]]; then
			if [[ $spec == DIR* ]]; then
				mapfile -t COMPREPLY < <(compgen -d -- "$cur")
			else
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
		elif [[ $spec == *'|'* ]]; then
			spec=${spec%%[),;]*}
			spec=${spec%%,...*}
			mapfile -t COMPREPLY < <(compgen -W "${spec//|/ }" -- "$cur")
		fi
		return 0
	fi
	if [[ $cur == -* ]]; then
		mapfile -t words < <(_vmm_options "${help[@]}")
		mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "$cur")
		# --opt= takes its value in the same word: no space after it
		if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
			compopt -o nospace 2>/dev/null
		fi
		return 0
	fi
	# KERNEL, TRACE, FILE.yaml, LOG: file names
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	return 0
}

complete -F _vmm -o filenames vmm
