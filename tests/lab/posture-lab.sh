#!/usr/bin/env bash
# posture-lab.sh DIR: the posture lab on 127.0.0.1, for `httpsmon scan` tests
# and the posture bench. Makes its own small PKI in DIR (an EC P-256 CA, an
# RSA 2048 leaf for localhost/127.0.0.1 valid 90 days, SHA-256), two OCSP
# responses for that leaf made by `openssl ocsp` as a one-shot responder
# (good, and revoked keyCompromise), writes DIR/spec and starts labsrv,
# which writes DIR/ports ("NAME PORT") and DIR/labsrv.pid. Listeners:
#   legacy      TLS 1.0-1.3 at @SECLEVEL=0 (negotiates 1.3 with a normal client), HSTS 1 year
#   tls10only   TLS 1.0 only at @SECLEVEL=0 (a normal client's handshake fails; the sweep's picks a group)
#   staticrsa   TLS 1.2 only; static-RSA suites (AES256-GCM-SHA384, AES128-SHA) next to ECDHE
#   modern      TLS 1.2-1.3, ECDHE with AEAD only, HSTS exactly 180 days
#   stapled     as modern, a good OCSP staple, HSTS 179 days
#   revstapled  as modern, a staple saying "revoked", no HSTS
#   closed      nothing listens (connections refused)
# Environment: LABSRV (default $BUILD/tests/lab/labsrv), LAB_OWNER (a pid:
# the server exits when it is gone). Stop it with: kill "$(cat DIR/labsrv.pid)".
set -eu
dir=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
labsrv=${LABSRV:-$top/${BUILD:-build}/tests/lab/labsrv}
mkdir -p "$dir"
cd "$dir"

ssl() { openssl "$@" 2>/dev/null; }
ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 30 \
	-subj "/CN=httpsmon posture lab CA" -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign"
ssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj "/CN=localhost"
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
	"keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >leaf.ext
ssl x509 -req -in rsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out rsa.pem -days 90 -sha256 -extfile leaf.ext
cat rsa.pem ca.pem >rsa-chain.pem

# OCSP: openssl ocsp answers one request file per run from an index in
# openssl ca's format (status, expiry, revocation, serial, file, subject)
serial=$(openssl x509 -in rsa.pem -noout -serial | cut -d= -f2)
expiry=$(date -u -d "$(openssl x509 -in rsa.pem -noout -enddate | cut -d= -f2)" +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t%s\tunknown\t/CN=localhost\n' "$expiry" "$serial" >index-good.txt
printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t/CN=localhost\n' "$expiry" \
	"$(date -u -d '-1 day' +%y%m%d%H%M%SZ)" "$serial" >index-revoked.txt
ssl ocsp -issuer ca.pem -cert rsa.pem -no_nonce -reqout ocsp-req.der
for s in good revoked; do
	ssl ocsp -index "index-$s.txt" -rsigner ca.pem -rkey ca.key -CA ca.pem -reqin ocsp-req.der \
		-respout "staple-$s.der" -ndays 7
	[ -s "staple-$s.der" ] || { echo "posture-lab.sh: openssl ocsp made no $s response" >&2; exit 1; }
done

leaf="cert=rsa-chain.pem key=rsa.key"
aead="min_tls=1.2 ciphers=ECDHE+AESGCM:ECDHE+CHACHA20"
cat >spec <<SPEC
legacy tls 0 $leaf min_tls=1.0 seclevel=0 hsts=max-age=31536000
tls10only tls 0 $leaf min_tls=1.0 max_tls=1.0 seclevel=0
staticrsa tls 0 $leaf min_tls=1.2 max_tls=1.2 ciphers=ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA
modern tls 0 $leaf $aead hsts=max-age=15552000
stapled tls 0 $leaf $aead ocsp_staple=staple-good.der hsts=max-age=15465600
revstapled tls 0 $leaf $aead ocsp_staple=staple-revoked.der
closed closed 0
SPEC
rm -f ports
if [ -n "${LAB_OWNER:-}" ]; then
	"$labsrv" -p "$LAB_OWNER" spec ports 2>labsrv.log &
else
	"$labsrv" spec ports 2>labsrv.log &
fi
echo $! >labsrv.pid
for _ in $(seq 100); do
	[ -s ports ] && exit 0
	sleep 0.05
done
echo "posture-lab.sh: labsrv did not start: $(cat labsrv.log)" >&2
exit 1
