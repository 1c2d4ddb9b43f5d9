// Command keywriter is the operator's desk tool for bulk passkey
// enrollment in Microsoft Entra ID: it drains the fido2-pending queue,
// writes each user's passkey to a FIDO2 security key through libfido2,
// and sends the attestation to fido2-results, where the Fido2Register
// function registers it.
//
//	keywriter run       drain fido2-pending, one key per user
//	keywriter devices   list the keys plugged in and whether they can serve
//	keywriter reset     factory-reset a key (asks for confirmation)
//	keywriter report    summarise journals, optionally as CSV
//
// Exit codes: 0 finished with nothing failed; 1 could not run or had to
// stop; 2 usage; 3 finished with failed items; 4 interrupted (Ctrl-C).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"golang.org/x/term"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/console"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/desk"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
)

// Exit codes scripts can rely on.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitItemsFailed = 3
	exitInterrupted = 4
)

// app is the command with its surroundings; tests replace keys, the
// credential and the vault transport.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	keys           desk.Keys
	credential     func(auth, tenant string) (azcore.TokenCredential, error)
	vaultOptions   *azsecrets.ClientOptions
	// terminal is stdin's file descriptor when it is a terminal (-1 if not).
	terminal int
}

func main() {
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, keys: fido.System{},
		credential: signIn, terminal: -1}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		a.terminal = fd
	}
	os.Exit(a.main(os.Args[1:]))
}

const usage = `keywriter writes passkeys for Microsoft Entra ID to FIDO2 security keys.

Usage:
  keywriter run [flags]        drain fido2-pending: one key per user (keywriter run -h)
  keywriter devices [--json]   list the keys plugged in and whether they can serve
  keywriter reset              factory-reset the key plugged in (asks first)
  keywriter report [flags] [journal...]   summarise journals (keywriter report -h)

Exit codes: 0 done, nothing failed; 1 could not run or stopped; 2 usage;
3 done with failed items; 4 interrupted.
`

func (a *app) main(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return a.run(args[1:])
	case "devices":
		return a.devices(args[1:])
	case "reset":
		return a.reset(args[1:])
	case "report":
		return a.report(args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(a.stderr, "keywriter: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// console is the operator's terminal, with hidden input when stdin is one.
func (a *app) console() *console.Console {
	c := &console.Console{Out: a.stdout, In: bufio.NewReader(a.stdin), ANSI: a.terminal >= 0}
	if a.terminal >= 0 {
		fd := a.terminal
		c.ReadSecret = func() ([]byte, error) { return term.ReadPassword(fd) }
	}
	return c
}

func (a *app) errorf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "keywriter: "+format+"\n", args...)
}
