#!/bin/sh
# Write the certificates of the shared self-signed issuer case to a PEM
# bundle: COUNT (default 340) self-signed certificates, each with its own
# EC P-256 key and its own registrable domain under the reserved .example
# TLD, whose issuer (and subject) carries the one organisation
# "Blue Lantern Hosting"; plus five unrelated self-signed certificates with
# organisations of their own, which no shared-issuer search must return.
# Uses the openssl binary; the keys are discarded.
#
# Usage: make_shared_issuer.sh OUTPUT.pem [COUNT]
set -eu

out=${1:?usage: make_shared_issuer.sh OUTPUT.pem [COUNT]}
count=${2:-340}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make_cert() { # ORG DOMAIN
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$work/key.pem" -days 730 -sha256 \
        -subj "/C=NL/O=$1/CN=$2" \
        -addext "subjectAltName=DNS:$2,DNS:www.$2" \
        -addext "basicConstraints=critical,CA:FALSE" \
        -out "$work/cert.pem" 2>/dev/null
    cat "$work/cert.pem" >>"$out"
}

: >"$out"
i=1
while [ "$i" -le "$count" ]; do
    make_cert "Blue Lantern Hosting" "parcel-notice-$i.example"
    i=$((i + 1))
done
for name in alpha bravo charlie delta echo; do
    make_cert "Unrelated $name Ltd" "$name-owner.example"
done
