#!/bin/sh
# Makes throwaway certificates for the e2e tests: a main CA with a server certificate for
# 127.0.0.1/localhost, an unrelated CA with its own server certificate (trust failures),
# and a main-CA certificate for another host name (hostname verification failures).
# Usage: make_ca.sh DIR
set -eu
dir=${1:?usage: make_ca.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

die() { echo "make_ca.sh: $*" >&2; exit 1; }
command -v openssl >/dev/null 2>&1 || die "openssl not found"

new_key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null || die "key $1"; }

# new_ca NAME CN
new_ca() {
  new_key "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 2 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$1.pem" 2>/dev/null || die "CA $1"
}

# new_leaf NAME CA_BASENAME CN SAN
new_leaf() {
  new_key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$3" -out "$1.csr" 2>/dev/null || die "CSR $1"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -days 2 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null || die "certificate $1"
  rm -f "$1.csr" "$1.ext"
}

new_ca ca "bbsot test CA"
new_leaf server ca localhost "IP:127.0.0.1,DNS:localhost"
new_leaf wrong-host ca not-this-host.example "DNS:not-this-host.example"
new_ca other-ca-tmp "bbsot unrelated test CA"
new_leaf other-server other-ca-tmp localhost "IP:127.0.0.1,DNS:localhost"
mv other-ca-tmp.pem other-ca.pem
mv other-ca-tmp.key other-ca.key
rm -f ./*.srl
# Certificates are public; keys stay private to the test user.
chmod 644 ca.pem server.pem other-ca.pem other-server.pem wrong-host.pem
