package azurite

import (
	"fmt"
	"net"
)

// freePorts reserves n distinct free ports by listening on :0, then closes
// the listeners so Azurite can bind them. Another process may take one in
// between: Start notices (Azurite exits with EADDRINUSE, or a foreign
// server answers) and retries with new ports.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
