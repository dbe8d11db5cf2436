package lan

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"time"
)

// sniffTimeout bounds the wait for a new connection's first byte: a client that connects and
// says nothing holds a goroutine no longer than that.
const sniffTimeout = 10 * time.Second

// Split serves TLS and plain HTTP on one port: it accepts from ln and sorts each connection by
// its first byte (22, a TLS handshake record, or anything else: an HTTP request line), so that
// a workstation that types http://<address>:7300 is answered (redirected, or shown the welcome
// page) instead of getting a broken connection. The TLS listener yields raw connections (wrap
// it with tls.NewListener). Closing either closes ln.
func Split(ln net.Listener) (tlsLn, plainLn net.Listener) {
	s := &splitter{ln: ln, closed: make(chan struct{})}
	s.tls = &subListener{s: s, ch: make(chan net.Conn)}
	s.plain = &subListener{s: s, ch: make(chan net.Conn)}
	go s.run()
	return s.tls, s.plain
}

type splitter struct {
	ln         net.Listener
	tls, plain *subListener

	once    sync.Once
	closed  chan struct{}
	mu      sync.Mutex
	lastErr error
}

func (s *splitter) run() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			s.mu.Lock()
			s.lastErr = err
			s.mu.Unlock()
			s.close()
			return
		}
		go s.sort(c)
	}
}

func (s *splitter) sort(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(sniffTimeout))
	br := bufio.NewReaderSize(c, 1)
	first, err := br.Peek(1)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		return
	}
	to := s.plain
	if first[0] == 0x16 {
		to = s.tls
	}
	select {
	case to.ch <- &peekedConn{Conn: c, r: br}:
	case <-s.closed:
		c.Close()
	}
}

func (s *splitter) close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		err = s.ln.Close()
	})
	return err
}

type subListener struct {
	s  *splitter
	ch chan net.Conn
}

func (l *subListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.s.closed:
		l.s.mu.Lock()
		err := l.s.lastErr
		l.s.mu.Unlock()
		if err == nil {
			err = net.ErrClosed
		}
		return nil, err
	}
}

func (l *subListener) Close() error   { return l.s.close() }
func (l *subListener) Addr() net.Addr { return l.s.ln.Addr() }

// peekedConn is a connection whose first byte was read into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if c.r.Buffered() > 0 {
		return c.r.Read(p)
	}
	return c.Conn.Read(p)
}
