# mark TEXT: prints "oceanos-guest: TEXT" as one line on the console. guest/README.md
# documents the markers; the compute service and the tests parse them, so keep them stable.
mark() { echo "oceanos-guest: $*" >/dev/console; }
