# Sourced by scripts/test.sh and scripts/dev-network.sh: Node.js, npm, the clients' packages
# and, for the browser tests, Chromium.

# Node.js 20.19 or newer and npm (this machine class ships Node 20; a machine without Node gets
# Debian's, and the check below says so if that is too old).
install_node() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		local sudo=""
		[ "$(id -u)" -eq 0 ] || sudo="sudo"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm
	fi
	local version major minor
	version=$(node --version | sed -E 's/^v//')
	major=${version%%.*}
	minor=$(echo "$version" | cut -d. -f2)
	if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
		echo "Node.js v$version is too old for the clients (PAPI and @noble/post-quantum need 20.19 or newer)" >&2
		return 1
	fi
	echo "node v$version, npm $(npm --version)"
}

# Debian's Chromium, which the web app's browser test drives (playwright-core does not
# download browsers here).
install_chromium() {
	if ! command -v chromium >/dev/null; then
		local sudo=""
		[ "$(id -u)" -eq 0 ] || sudo="sudo"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
	fi
	chromium --version
}

# The SDK and the web app (npm workspace clients/): installs their packages when the lockfile
# changed, then builds both (the SDK with tsc, the app with Vite into clients/web/dist).
build_clients() {
	(
		cd clients
		if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
			npm ci --no-audit --no-fund
		fi
		npm run --silent build
	)
}
