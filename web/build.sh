#!/bin/sh
# Bundle the web view into web/dist: index.html, static/app.js (our modules and Cytoscape.js)
# and static/app.css. Run after `npm ci` in web/; `dragnet serve` serves the folder.
set -eu
cd "$(dirname "$0")"

if [ ! -x node_modules/.bin/esbuild ]; then
    echo "web/build.sh: node_modules/.bin/esbuild not found: run 'npm ci' in web/ first" >&2
    exit 1
fi

rm -rf dist
mkdir -p dist/static
cp index.html dist/index.html
cp favicon.svg dist/static/favicon.svg
node_modules/.bin/esbuild src/main.js --bundle --format=esm --target=es2022 --minify \
    --sourcemap --legal-comments=linked --log-level=warning --outfile=dist/static/app.js
echo "web/build.sh: built $(pwd)/dist"
