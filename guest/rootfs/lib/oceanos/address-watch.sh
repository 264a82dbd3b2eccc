#!/bin/sh
# Prints "address=IFACE ADDR/PREFIX" once for each global address as it becomes usable
# (DHCP, SLAAC once duplicate address detection is over, static). busybox ip has no monitor
# mode, so it polls: every second for two minutes, then every ten seconds.
. /lib/oceanos/marker.sh
seen=/run/oceanos/addresses
: >"$seen"
polls=0
while :; do
	ip -o addr show | awk '!/ scope (host|link) / && !/ tentative/ && !/ dadfailed/ { sub(/@.*/, "", $2); print $2, $4 }' |
		while read -r ifc addr; do
			grep -qxF "$ifc $addr" "$seen" && continue
			echo "$ifc $addr" >>"$seen"
			mark "address=$ifc $addr"
		done
	polls=$((polls + 1))
	if [ "$polls" -lt 120 ]; then sleep 1; else sleep 10; fi
done
