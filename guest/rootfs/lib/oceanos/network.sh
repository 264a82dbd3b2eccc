# Networking: every interface but lo comes up with IPv6 SLAAC (the kernel's autoconf, on by
# default) and either DHCPv4 or the static IPv4 settings of the config drive's
# network_data.json (/run/oceanos/network, from network-data.awk).

# configure_network: never waits for a lease; udhcpc keeps trying in the background.
configure_network() {
	local static=/run/oceanos/network dev ifc mac mode what arg gw
	ip link set lo up
	[ -f "$static" ] || : >"$static"
	for dev in /sys/class/net/*; do
		ifc=${dev##*/}
		[ "$ifc" = lo ] && continue
		mac=$(cat "$dev/address")
		mode=dhcp
		grep "^$mac " "$static" | while read -r _ what arg gw; do
			case $what in
				mtu) ip link set "$ifc" mtu "$arg" ;;
			esac
		done
		ip link set "$ifc" up
		grep "^$mac " "$static" | while read -r _ what arg gw; do
			case $what in
				address) ip addr add "$arg" dev "$ifc" ;;
				route) ip route add "$arg" via "$gw" dev "$ifc" ;;
			esac
		done
		# Static IPv4 replaces DHCP on that interface; a static IPv6 address alone does not.
		grep "^$mac address [0-9.]*/" "$static" >/dev/null && mode=static
		mark "interface=$ifc $mac $mode"
		if [ "$mode" = dhcp ]; then
			udhcpc -f -i "$ifc" -s /lib/oceanos/udhcpc.script -x hostname:"$(hostname)" \
				>"/var/log/udhcpc.$ifc.log" 2>&1 &
		fi
	done
	sed -n 's/^dns /nameserver /p' "$static" >/run/oceanos/resolv.static
	cat /run/oceanos/resolv.* >/etc/resolv.conf 2>/dev/null
	/lib/oceanos/address-watch.sh &
}
