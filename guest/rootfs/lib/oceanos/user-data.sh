#!/bin/sh
# Runs /run/user-data (a script: it starts with #!) with each line of its output printed as
# a "user-data-output=" marker, then its exit status as "user-data-exit=N".
. /lib/oceanos/marker.sh
status=/run/oceanos/user-data-exit
cd /
{ HOME=/root /run/user-data </dev/null 2>&1; echo $? >"$status"; } |
	while IFS= read -r line || [ -n "$line" ]; do mark "user-data-output=$line"; done
mark "user-data-exit=$(cat "$status")"
