package doctor

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// keyFile is the key file blob.LoadKEK creates in the data directory
// (TestKeyFileIsBlobs checks the two agree).
const keyFile = "master.key"

func checkMasterKey(opt Options) Result {
	res := Result{Check: "Master key"}
	if v := strings.TrimSpace(opt.Getenv("SCRIBE_MASTER_KEY")); v != "" {
		if k, err := base64.StdEncoding.DecodeString(v); err != nil || len(k) != 32 {
			res.Status, res.Detail = Fail, "the master key in the environment (SCRIBE_MASTER_KEY) is not a 32-byte key in base64"
			res.Fix = "Set SCRIBE_MASTER_KEY to the key Scribe has been using (stored data cannot be read with another). For a new installation make one with: head -c32 /dev/urandom | base64"
			return res
		}
		res.Status, res.Detail = OK, "from the environment (SCRIBE_MASTER_KEY)"
		return res
	}
	path := filepath.Join(opt.DataDir, keyFile)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		res.Status, res.Detail = Warn, "no master key yet: Scribe will create the key file "+path+" when it first starts"
		res.Fix = "For production, supply your own key in SCRIBE_MASTER_KEY from your secrets store (head -c32 /dev/urandom | base64) and keep a copy apart from the backups."
		return res
	}
	if err != nil {
		res.Status, res.Detail = Fail, "the key file "+path+" cannot be read: "+oneLine(err)
		res.Fix = "Run Scribe as the account that owns the data directory."
		return res
	}
	b, err := os.ReadFile(path) // #nosec G304 -- the data dir (operator configuration) and a fixed name
	if err != nil {
		res.Status, res.Detail = Fail, "the key file "+path+" cannot be read: "+oneLine(err)
		res.Fix = "Run Scribe as the account that owns the data directory."
		return res
	}
	if k, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b))); derr != nil || len(k) != 32 {
		res.Status, res.Detail = Fail, "the key file "+path+" does not hold a 32-byte key in base64"
		res.Fix = "Restore the key file from your key backup; stored audio and transcripts cannot be read without it."
		return res
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		res.Status = Warn
		res.Detail = fmt.Sprintf("from the key file %s, which other accounts on this machine may read (mode %04o)", path, mode)
		res.Fix = "Make it readable by Scribe's account only: chmod 600 " + path
		return res
	}
	res.Status, res.Detail = OK, "from the key file "+path+" (readable by Scribe's account only); production may supply SCRIBE_MASTER_KEY from a secrets store instead"
	return res
}

func checkDisk(opt Options) Result {
	res := Result{Check: "Disk space"}
	if opt.DataDir == "" {
		res.Status, res.Detail = Warn, "no data directory is configured"
		res.Fix = "Give the data directory (SCRIBE_DATA_DIR or --data-dir)."
		return res
	}
	u, err := opt.DiskStat(opt.DataDir)
	if err != nil {
		res.Status, res.Detail = Fail, "the free space of the data directory "+opt.DataDir+" cannot be read: "+oneLine(err)
		res.Fix = "Check that the data directory exists and that Scribe's account can read it."
		return res
	}
	free := fmt.Sprintf("%s free of %s in %s", size(u.Free), size(u.Total), opt.DataDir)
	switch {
	case u.Free < opt.DiskFailFree:
		res.Status, res.Detail = Fail, free+", under "+size(opt.DiskFailFree)+": recordings and uploads may fail"
		res.Fix = "Free space or move the data directory to a larger disk now; check the retention policy purges audio after transcription."
	case u.Free < opt.DiskWarnFree:
		res.Status, res.Detail = Warn, free+", under "+size(opt.DiskWarnFree)
		res.Fix = "Plan more space: an hour of recorded audio takes about 115 MB until it is transcribed and purged."
	default:
		res.Status, res.Detail = OK, free
	}
	return res
}

func size(b uint64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", b)
}

func checkPublicURL(opt Options) Result {
	res := Result{Check: "Public address and HTTPS"}
	proxied := len(opt.TrustedProxies) > 0
	if opt.PublicURL == "" {
		if opt.TLS || loopback(opt.ListenAddr) {
			res.Status, res.Detail = OK, "no public address set; links use the address each page was opened at"
			return res
		}
		res.Status = Warn
		res.Detail = "no public address set and Scribe listens beyond this computer: links sent to clients use whatever address the sender's page was opened at"
		res.Fix = "Set the public address (SCRIBE_PUBLIC_URL), for example https://scribe.example.org."
		return res
	}
	u, err := url.Parse(opt.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		res.Status, res.Detail = Fail, "the public address is not an http(s) address"
		res.Fix = "Set the public address (SCRIBE_PUBLIC_URL) to the address people type, such as https://scribe.example.org."
		return res
	}
	switch {
	case u.Scheme == "https" && !opt.TLS && !proxied:
		res.Status = Fail
		res.Detail = "the public address is https, but Scribe serves plain HTTP and trusts no reverse proxy: sign-in cookies are not marked secure and HTTPS is not enforced"
		res.Fix = "Either give Scribe its TLS certificate and key (SCRIBE_TLS_CERT, SCRIBE_TLS_KEY), or name the reverse proxy that takes HTTPS in SCRIBE_TRUSTED_PROXIES."
	case u.Scheme == "http" && opt.TLS:
		res.Status = Warn
		res.Detail = "Scribe serves HTTPS but the public address starts with http://: links sent to clients take a detour or fail"
		res.Fix = "Set the public address to https://" + u.Host + "."
	case u.Scheme == "http" && !loopbackHost(u.Hostname()):
		res.Status = Warn
		res.Detail = "the public address is plain http on another computer: browsers allow the microphone only over HTTPS, so calls from other computers will not start"
		res.Fix = "Serve HTTPS (a TLS certificate and key, or an HTTPS reverse proxy) and set the public address to https://" + u.Host + "."
	default:
		res.Status, res.Detail = OK, "public address "+u.Scheme+"://"+u.Host
		if u.Scheme == "https" && !opt.TLS {
			res.Detail += ", HTTPS taken by a trusted reverse proxy"
		}
	}
	return res
}

func loopback(addr string) bool {
	if addr == "" {
		return true
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	return loopbackHost(host)
}

func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
