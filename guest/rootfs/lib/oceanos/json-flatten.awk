# Flattens one JSON document into "PATH<TAB>VALUE" lines, one per string, number, boolean
# or null, so that shell code can look values up with awk or grep: {"a": {"b": [7, "x"]}}
# gives "a/b/0	7" and "a/b/1	x". Busybox has no JSON tool; config-drive metadata is small
# and well formed, so this does no validation. To keep one value per line, \n, \r and \t in
# strings become spaces; \uXXXX stays as written.
{ text = text $0 "\n" }
END { n = length(text); pos = 1; value("") }

function skip_space() {
	while (pos <= n && index(" \t\r\n", substr(text, pos, 1))) pos++
}

function join(path, key) { return path == "" ? key : path "/" key }

function value(path,    c, i, key) {
	skip_space()
	c = substr(text, pos, 1)
	if (c == "{" || c == "[") {
		pos++
		skip_space()
		if (substr(text, pos, 1) == (c == "{" ? "}" : "]")) { pos++; return }
		for (i = 0; ; i++) {
			skip_space()
			if (c == "{") {
				key = string()
				skip_space()
				pos++   # the colon
				value(join(path, key))
			} else {
				value(join(path, i))
			}
			skip_space()
			if (substr(text, pos++, 1) != ",") return   # "}" or "]"
		}
	}
	if (c == "\"") { print path "\t" string(); return }
	# A number, true, false or null: everything up to the next delimiter.
	i = pos
	while (pos <= n && !index(",]} \t\r\n", substr(text, pos, 1))) pos++
	print path "\t" substr(text, i, pos - i)
}

function string(    out, c) {
	out = ""
	pos++   # the opening quote
	while (pos <= n && (c = substr(text, pos, 1)) != "\"") {
		if (c == "\\") {
			c = substr(text, ++pos, 1)
			if (c == "n" || c == "r" || c == "t") c = " "
			else if (c != "\"" && c != "\\" && c != "/") c = "\\" c
		}
		out = out c
		pos++
	}
	pos++   # the closing quote
	return out
}
