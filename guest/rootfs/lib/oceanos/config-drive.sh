# Config drives. The readers turn either kind into the same files under /run/oceanos, so the
# boot script applies them one way: hostname, instance-id, keys (one authorized_keys line
# each), network (static settings, see network-data.awk), personality files (files/N, with
# files/N.path holding "OWNER GROUP MODE PATH", defaults filled in); user data goes to /run/user-data.
lib=/lib/oceanos
out=/run/oceanos

# find_config_drive: prints "LABEL DEVICE" of the first OpenStack (config-2) or NoCloud
# (cidata) file system found, whatever the bus (CD-ROM, virtio disk); fails if none.
find_config_drive() {
	local label dev
	for label in config-2 CONFIG-2 cidata CIDATA; do
		dev=$(findfs "LABEL=$label" 2>/dev/null) && { echo "$label $dev"; return 0; }
	done
	return 1
}

# flat_get KEY FILE: the value of KEY in a file from json-flatten.awk.
flat_get() { awk -F '\t' -v key="$1" '$1 == key { print $2; exit }' "$2"; }

# read_openstack DIR: openstack/latest/{meta_data.json,user_data,network_data.json}.
read_openstack() {
	local dir=$1/openstack/latest meta=$out/meta_data
	if [ -f "$dir/meta_data.json" ]; then
		awk -f "$lib/json-flatten.awk" "$dir/meta_data.json" >"$meta"
		{ flat_get hostname "$meta"; flat_get name "$meta"; } | grep -m1 . >"$out/hostname"
		flat_get uuid "$meta" >"$out/instance-id"
		# Keys are in public_keys (name -> key) and, in newer releases, keys[] with a type.
		awk -F '\t' '
			$1 ~ /^public_keys\// { print $2 }
			$1 ~ /^keys\/[0-9]+\/type$/ && $2 == "ssh" { k = $1; sub(/type$/, "data", k); ssh[k] = 1 }
			$1 ~ /^keys\/[0-9]+\/data$/ { data[$1] = $2 }
			END { for (k in ssh) if (k in data) print data[k] }' "$meta" >"$out/keys"
		read_openstack_files "$1" "$meta"
	fi
	[ -f "$dir/user_data" ] && cp "$dir/user_data" /run/user-data
	if [ -f "$dir/network_data.json" ]; then
		awk -f "$lib/json-flatten.awk" "$dir/network_data.json" | awk -f "$lib/network-data.awk" >"$out/network"
	fi
	return 0
}

# read_openstack_files DIR META: copies each personality file (files[i].content_path under
# DIR/openstack) out of the drive, with what install_files needs to put it in place: Nova's
# path, and the owner, group and mode (a number) that Synnefo's API adds: by default root,
# the owner's group, and 0644.
read_openstack_files() {
	local i=0 path content owner group mode
	mkdir -p "$out/files"
	while path=$(flat_get "files/$i/path" "$2") && [ -n "$path" ]; do
		content=$(flat_get "files/$i/content_path" "$2")
		if cp "$1/openstack/${content#/}" "$out/files/$i" 2>/dev/null; then
			owner=$(flat_get "files/$i/owner" "$2")
			group=$(flat_get "files/$i/group" "$2")
			mode=$(flat_get "files/$i/mode" "$2")
			owner=${owner:-root}
			echo "$owner ${group:-$owner} ${mode:-420} $path" >"$out/files/$i.path"
		else
			mark "warning=personality file $path: no content at $content"
		fi
		i=$((i + 1))
	done
}

# install_files: writes the personality files read_openstack_files found, in their order,
# reporting each.
install_files() {
	local meta file path owner group mode
	for meta in "$out"/files/*.path; do
		[ -f "$meta" ] || continue
		file=${meta%.path}
		read -r owner group mode path <"$meta"
		mkdir -p "$(dirname "$path")" && cp "$file" "$path" || { mark "warning=cannot write $path"; continue; }
		chmod "$(printf '%o' "$mode")" "$path"
		chown "$owner:$group" "$path" 2>/dev/null || mark "warning=cannot give $path to $owner:$group"
		mark "file=$path $(stat -c '%a %U:%G' "$path")"
	done
}

# yaml_get KEY FILE: the top-level scalar "KEY: value", or the items of the list under
# "KEY:", one per line, unquoted. Enough YAML for NoCloud's meta-data.
yaml_get() {
	awk -v key="$1" '
		function unquote(v) {
			gsub(/^[ \t]+|[ \t]+$/, "", v)
			if (v ~ /^".*"$/ || v ~ /^\047.*\047$/) v = substr(v, 2, length(v) - 2)
			return v
		}
		index($0, key ":") == 1 { v = unquote(substr($0, length(key) + 2)); if (v != "") print v; list = 1; next }
		list && /^[ \t]*- / { sub(/^[ \t]*- /, ""); print unquote($0); next }
		/^[^ \t#]/ { list = 0 }' "$2"
}

# read_nocloud DIR: meta-data (local-hostname, instance-id, public-keys) and user-data.
read_nocloud() {
	local meta=$1/meta-data
	if [ -f "$meta" ]; then
		{ yaml_get local-hostname "$meta"; yaml_get hostname "$meta"; } | grep -m1 . >"$out/hostname"
		yaml_get instance-id "$meta" >"$out/instance-id"
		{ yaml_get public-keys "$meta"; yaml_get public_keys "$meta"; } >"$out/keys"
	fi
	[ -f "$1/user-data" ] && cp "$1/user-data" /run/user-data
	return 0
}

# ssh_key_summary "TYPE BASE64 [COMMENT]": "SHA256:FINGERPRINT TYPE [COMMENT]", with the
# fingerprint computed as ssh-keygen -l does (unpadded base64 of the blob's SHA-256).
ssh_key_summary() {
	local type=${1%% *} rest blob comment hex
	rest=${1#"$type"}; rest=${rest# }
	blob=${rest%% *}
	comment=${rest#"$blob"}; comment=${comment# }
	hex=$(echo "$blob" | base64 -d 2>/dev/null | sha256sum | cut -c1-64 | sed 's/../\\x&/g')
	echo "SHA256:$(printf "$hex" | base64 | tr -d '=\n') $type${comment:+ $comment}"
}
