#!/usr/bin/env bash
# gen-certs.sh OUTDIR [AIA_URL]: the certificates of the local TLS lab.
#
# Everything is EC P-256 except the deliberately weak RSA keys, so a full run
# takes a fraction of a second. One private root ("httpsmon Lab Root") signs
# one intermediate, which signs the server leaves; a second, untrusted root
# and intermediate sign the "unknownca" leaf. Files, per leaf NAME:
#   NAME.pem  the leaf alone          NAME.key  its key
#   NAME-chain.pem  what the server sends (leaf + intermediate; for leafonly
#   and selfsigned only the leaf)
# root.pem/.key, int.pem/.key/.der, int-rsa.pem (RSA, signs the SHA-1
# leaves weak-sha1 and weak), other-root.pem, other-int.pem,
# client.pem/.key (signed by root, for mTLS), other-client.pem/.key (signed
# by the other root: must be rejected).
#
# Only the leafonly leaf depends on AIA_URL. OUTDIR/.done records the URL:
# same URL, nothing to do; different URL, only leafonly is made again.
set -eu

out=${1:?usage: gen-certs.sh OUTDIR [AIA_URL]}
aia=${2:-http://127.0.0.1:1/int.der}

mkdir -p "$out"
cd "$out"
if [ -f .done ] && [ "$(cat .done)" = "$aia" ]; then
	exit 0
fi

# Our own config, so the host's openssl.cnf cannot add or refuse extensions.
export OPENSSL_CONF=$PWD/lab.cnf
cat > lab.cnf <<CNF
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]

[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[int_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[good_san]
DNS.1 = localhost
DNS.2 = good.lab.test
DNS.3 = *.bench.test
IP.1 = 127.0.0.1
IP.2 = ::1
[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @good_san
[self_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = @good_san
[wronghost_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:other.example
[leafonly_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @good_san
authorityInfoAccess = caIssuers;URI:$aia
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# "openssl ca" is only used where explicit validity dates are needed:
# "openssl x509 -req" in 3.0 cannot set notBefore.
[ca]
default_ca = ca_int
[ca_int]
dir = ./ca.db
database = \$dir/index.txt
new_certs_dir = \$dir
rand_serial = yes
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
x509_extensions = leaf_ext
[policy_any]
organizationName = optional
commonName = supplied
CNF

eckey() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

serial=0
# sign NAME SUBJ EXT CA DAYS [EXTRA x509 ARGS]: NAME.key (made if missing) -> NAME.pem
sign() {
	local name=$1 subj=$2 ext=$3 ca=$4 days=$5
	shift 5
	[ -f "$name.key" ] || eckey "$name.key"
	serial=$((serial + 1))
	openssl req -new -key "$name.key" -subj "$subj" -utf8 -out "$name.csr"
	openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" \
		-set_serial "$(date +%s)$$$serial" -days "$days" -sha256 \
		-extfile lab.cnf -extensions "$ext" -out "$name.pem" "$@" 2>/dev/null
	rm -f "$name.csr"
}

# dated NAME START END: leaf signed by int with explicit dates (YYYYMMDDHHMMSSZ)
dated() {
	local name=$1
	eckey "$name.key"
	openssl req -new -key "$name.key" -subj "/O=httpsmon lab/CN=$name.lab.test" \
		-out "$name.csr"
	openssl ca -batch -notext -cert int.pem -keyfile int.key -in "$name.csr" \
		-startdate "$2" -enddate "$3" -out "$name.pem" 2>/dev/null
	rm -f "$name.csr"
}

chain() {
	cat "$1.pem" "$2.pem" > "$1-chain.pem"
}

if [ ! -f .base ]; then
	rm -rf ca.db
	mkdir ca.db
	: > ca.db/index.txt

	eckey root.key
	openssl req -x509 -new -key root.key -subj "/O=httpsmon lab/CN=httpsmon Lab Root" \
		-days 3650 -sha256 -extensions ca_ext -out root.pem
	sign int "/O=httpsmon lab/CN=httpsmon Lab Intermediate" int_ext root 3650
	openssl x509 -in int.pem -outform DER -out int.der

	eckey other-root.key
	openssl req -x509 -new -key other-root.key -subj "/O=Other/CN=Other Root" \
		-days 3650 -sha256 -extensions ca_ext -out other-root.pem
	sign other-int "/O=Other/CN=Other Intermediate" int_ext other-root 3650

	sign good "/O=httpsmon lab/CN=good.lab.test" leaf_ext int 400
	sign soon "/O=httpsmon lab/CN=soon.lab.test" leaf_ext int 3
	sign wronghost "/O=httpsmon lab/CN=other.example" wronghost_ext int 400
	sign unknownca "/O=Other/CN=unknownca.lab.test" leaf_ext other-int 400
	chain good int
	chain soon int
	chain wronghost int
	chain unknownca other-int

	dated expired 20240101000000Z 20250101000000Z
	dated notyet "$(date -u -d '+1 year' +%Y%m%d%H%M%SZ)" \
		"$(date -u -d '+2 years' +%Y%m%d%H%M%SZ)"
	chain expired int
	chain notyet int

	eckey selfsigned.key
	openssl req -x509 -new -key selfsigned.key -subj "/O=httpsmon lab/CN=selfsigned.lab.test" \
		-days 400 -sha256 -extensions self_ext -out selfsigned.pem
	cp selfsigned.pem selfsigned-chain.pem

	# Weak on purpose. Signing needs no security level; serving them does
	# (labsrv's seclevel=0), and a default client rejects them. The SHA-1
	# leaves come from an RSA intermediate so their signature is the
	# classic sha1WithRSAEncryption rather than ecdsa-with-SHA1.
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out int-rsa.key 2>/dev/null
	sign int-rsa "/O=httpsmon lab/CN=httpsmon Lab RSA Intermediate" int_ext root 3650
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out weak-rsa.key 2>/dev/null
	sign weak-rsa "/O=httpsmon lab/CN=weak-rsa.lab.test" leaf_ext int 400
	sign weak-sha1 "/O=httpsmon lab/CN=weak-sha1.lab.test" leaf_ext int-rsa 400 -sha1
	cp weak-rsa.key weak.key
	sign weak "/O=httpsmon lab/CN=weak.lab.test" leaf_ext int-rsa 400 -sha1
	chain weak-rsa int
	chain weak-sha1 int-rsa
	chain weak int-rsa

	# Terminal escapes in the subject: OSC 0 (window title), ED (clear
	# screen) and OSC 52 (write the clipboard). A UI that prints subjects
	# raw is exploitable; the bytes must survive into the DER.
	sign hostile $'/O=Evil\e]0;pwned\a Corp\e[2J/CN=hostile\e]52;c;aGVsbG8=\a.lab.test' \
		leaf_ext int 400
	chain hostile int

	sign client "/O=httpsmon lab/CN=httpsmon lab client" client_ext root 400
	sign other-client "/O=Other/CN=other client" client_ext other-root 400

	touch .base
fi

rm -f .done
sign leafonly "/O=httpsmon lab/CN=leafonly.lab.test" leafonly_ext int 400
cp leafonly.pem leafonly-chain.pem
printf '%s\n' "$aia" > .done
