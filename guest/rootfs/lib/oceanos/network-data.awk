# Reads an OpenStack network_data.json flattened by json-flatten.awk and prints the static
# settings it asks for, keyed by MAC address (lower case), one per line:
#   MAC address ADDR/PREFIX       (networks of type ipv4 or ipv6)
#   MAC route DEST/PREFIX GATEWAY
#   MAC mtu N
#   dns ADDR                      (services of type dns)
# Networks of other types (ipv4_dhcp, ipv6_slaac, ...) print nothing: DHCP and SLAAC are
# what the guest does anyway.
BEGIN { FS = "\t" }
{
	n = split($1, p, "/")
	if (p[1] == "links" && n == 3) link[p[2], p[3]] = $2
	if (p[1] == "networks" && n == 3) net[p[2], p[3]] = $2
	if (p[1] == "networks" && p[3] == "routes" && n == 5) route[p[2], p[4], p[5]] = $2
	if (p[1] == "services" && n == 3) service[p[2], p[3]] = $2
}

# Bits set in a netmask, dotted IPv4 ("255.255.255.0") or IPv6 ("ffff:ffff:ffff:ffff::").
function prefix(mask,    bits, i, c, v, parts, k) {
	bits = 0
	if (index(mask, ".")) {
		k = split(mask, parts, ".")
		for (i = 1; i <= k; i++) for (v = parts[i] + 0; v > 0; v = int(v / 2)) bits += v % 2
		return bits
	}
	for (i = 1; i <= length(mask); i++) {
		c = index("0123456789abcdef", tolower(substr(mask, i, 1))) - 1
		for (v = c; v > 0; v = int(v / 2)) bits += v % 2
	}
	return bits
}

function cidr(addr, mask, family) {
	if (index(addr, "/")) return addr
	if (mask == "") return addr "/" (family == "ipv6" ? 128 : 32)
	return addr "/" prefix(mask)
}

END {
	for (i = 0; (i, "id") in link || (i, "ethernet_mac_address") in link; i++)
		mac[link[i, "id"]] = tolower(link[i, "ethernet_mac_address"])
	for (i = 0; (i, "type") in net; i++) {
		type = net[i, "type"]
		m = mac[net[i, "link"]]
		if ((type != "ipv4" && type != "ipv6") || m == "") continue
		print m, "address", cidr(net[i, "ip_address"], net[i, "netmask"], type)
		for (r = 0; (i, r, "network") in route; r++)
			print m, "route", cidr(route[i, r, "network"], route[i, r, "netmask"], type), route[i, r, "gateway"]
	}
	for (i = 0; (i, "id") in link || (i, "ethernet_mac_address") in link; i++)
		if ((i, "mtu") in link && link[i, "mtu"] != "null" && mac[link[i, "id"]] != "")
			print mac[link[i, "id"]], "mtu", link[i, "mtu"]
	for (i = 0; (i, "type") in service; i++)
		if (service[i, "type"] == "dns") print "dns", service[i, "address"]
}
