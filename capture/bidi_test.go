package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// bidiConn is a minimal WebDriver BiDi client: commands matched to their
// replies by id, events handed to one callback. It is just enough to drive
// Firefox's built-in remote agent without geckodriver.
type bidiConn struct {
	ws      *websocket.Conn
	onEvent func(method string, params json.RawMessage)

	mu      sync.Mutex
	nextID  int
	pending map[int]chan bidiReply
	readErr error
	done    chan struct{}
}

type bidiReply struct {
	Type    string          `json:"type"` // "success", "error" or "event"
	ID      *int            `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// dialBiDi connects to a BiDi endpoint such as ws://127.0.0.1:PORT/session.
// onEvent runs on the read goroutine and must not block.
func dialBiDi(ctx context.Context, url string, onEvent func(method string, params json.RawMessage)) (*bidiConn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("webdriver bidi: dial %s: %w", url, err)
	}
	ws.SetReadLimit(16 << 20)
	c := &bidiConn{ws: ws, onEvent: onEvent, pending: map[int]chan bidiReply{}, done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

func (c *bidiConn) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			c.mu.Unlock()
			return
		}
		var r bidiReply
		if err := json.Unmarshal(data, &r); err != nil {
			continue // not a message of the protocol; nothing waits for it
		}
		if r.Type == "event" {
			if c.onEvent != nil {
				c.onEvent(r.Method, r.Params)
			}
			continue
		}
		if r.ID == nil {
			continue
		}
		c.mu.Lock()
		ch := c.pending[*r.ID]
		delete(c.pending, *r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

// call sends one command and decodes its result into out (if not nil).
func (c *bidiConn) call(ctx context.Context, method string, params any, out any) error {
	ch := make(chan bidiReply, 1)
	c.mu.Lock()
	if c.readErr != nil {
		err := c.readErr
		c.mu.Unlock()
		return fmt.Errorf("webdriver bidi %s: connection closed: %w", method, err)
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		forget()
		return fmt.Errorf("webdriver bidi %s: encode: %w", method, err)
	}
	if err := c.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		forget()
		return fmt.Errorf("webdriver bidi %s: send: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return fmt.Errorf("webdriver bidi %s: connection closed before the reply", method)
		}
		if r.Type == "error" {
			return fmt.Errorf("webdriver bidi %s: %s: %s", method, r.Error, r.Message)
		}
		if out != nil {
			if err := json.Unmarshal(r.Result, out); err != nil {
				return fmt.Errorf("webdriver bidi %s: decode result: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		forget()
		return fmt.Errorf("webdriver bidi %s: %w", method, ctx.Err())
	}
}

// close ends the connection and waits for the read goroutine.
func (c *bidiConn) close() {
	c.ws.Close(websocket.StatusNormalClosure, "")
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
	}
}

// bidiPage is one browsing context (tab) of a BiDi session.
type bidiPage struct {
	c       *bidiConn
	context string
}

// navigate loads url and waits for the load event.
func (p *bidiPage) navigate(ctx context.Context, url string) error {
	return p.c.call(ctx, "browsingContext.navigate", map[string]any{
		"context": p.context, "url": url, "wait": "complete",
	}, nil)
}

// eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its primitive result (string, number, boolean, null) into out.
func (p *bidiPage) eval(ctx context.Context, expr string, out any) error {
	var res struct {
		Type   string `json:"type"` // "success" or "exception"
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := p.c.call(ctx, "script.evaluate", map[string]any{
		"expression":   expr,
		"target":       map[string]any{"context": p.context},
		"awaitPromise": true,
	}, &res)
	if err != nil {
		return err
	}
	if res.Type == "exception" {
		return fmt.Errorf("script threw: %s", res.ExceptionDetails.Text)
	}
	if out == nil {
		return nil
	}
	if len(res.Result.Value) == 0 {
		return fmt.Errorf("script returned %s, not a primitive value", res.Result.Type)
	}
	return json.Unmarshal(res.Result.Value, out)
}

var errWaitTimeout = errors.New("condition not met in time")

// waitTrue evaluates a boolean expression every 100 ms until it is true or d
// passes.
func (p *bidiPage) waitTrue(ctx context.Context, d time.Duration, expr string) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		var ok bool
		err := p.eval(ctx, "Boolean("+expr+")", &ok)
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("%w after %v: %s (last error: %v)", errWaitTimeout, d, expr, err)
			}
			return fmt.Errorf("%w after %v: %s", errWaitTimeout, d, expr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
