// Package backbeatstdio serves a BACKBEAT consumer function as a backbeat-fuzz stdio: target.
//
// Copy this package into your module (it needs only the standard library) and call Serve
// from a main package:
//
//	func main() { backbeatstdio.Main(handle) }
//
// then run backbeat-fuzz --target 'stdio:./my-consumer'. The protocol (docs/targets.md): each
// message arrives as its length in bytes, "\n", the bytes, "\n"; the answer is one line,
// "accept" or "reject <reason>". The handler returns nil to accept and an error to reject (its
// text is the reason); a panic is a crash: the panic, the stack and a last line
// "crash: panic: <value> at <file>:<line> in <function>" (the file from the working folder,
// its base name when outside it) go to stderr and the process exits with status 70
// (backbeat-fuzz starts it again). os.Stdout is pointed at stderr while serving, so the
// handler's fmt.Print output cannot garble the answers.
package backbeatstdio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// CrashStatus is the exit status of a handler that panicked.
const CrashStatus = 70

// Handler judges one message: nil accepts it, an error rejects it, a panic is a crash.
type Handler func(message []byte) error

// Main serves handler on stdin and stdout, and exits with status 2 if the input is not framed.
// While it serves, os.Stdout is os.Stderr and os.Stdin is empty, so the handler cannot garble
// the protocol.
func Main(handler Handler) {
	messages, answers := os.Stdin, os.Stdout
	os.Stdout = os.Stderr
	if devnull, err := os.Open(os.DevNull); err == nil {
		os.Stdin = devnull
	}
	if err := Serve(handler, messages, answers); err != nil {
		fmt.Fprintln(os.Stderr, "backbeatstdio:", err)
		os.Exit(2)
	}
}

// Serve answers every framed message read from in with handler's verdict, written to out,
// until in ends (then it returns nil).
func Serve(handler Handler, in io.Reader, out io.Writer) error {
	reader := bufio.NewReaderSize(in, 65536)
	writer := bufio.NewWriter(out)
	for {
		message, err := next(reader)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		writer.WriteString(verdict(handler, message))
		if err := writer.Flush(); err != nil {
			return err
		}
	}
}

// next reads one framed message: io.EOF at the end of the input, an error for a bad frame.
func next(reader *bufio.Reader) ([]byte, error) {
	header, err := reader.ReadString('\n')
	if err == io.EOF && header == "" {
		return nil, io.EOF
	}
	if err != nil {
		return nil, errors.New("the input ended inside a length line")
	}
	size, err := strconv.Atoi(strings.TrimSuffix(header, "\n"))
	if err != nil || size < 0 || strings.HasPrefix(header, "+") {
		return nil, fmt.Errorf("expected a length line, got %q", header)
	}
	message := make([]byte, size+1)
	if _, err := io.ReadFull(reader, message); err != nil || message[size] != '\n' {
		return nil, errors.New("the input ended inside a message")
	}
	return message[:size], nil
}

func oneLine(text string) string {
	return strings.Join(strings.Fields(text), " ")
}

func verdict(handler Handler, message []byte) string {
	defer func() {
		if value := recover(); value != nil {
			crash(value)
		}
	}()
	if err := handler(message); err != nil {
		return strings.TrimSpace("reject "+oneLine(err.Error())) + "\n"
	}
	return "accept\n"
}

// panicSite is the frame that panicked: the first one after the runtime's panic machinery.
func panicSite() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	panicking := false
	for {
		frame, more := frames.Next()
		inRuntime := strings.HasPrefix(frame.Function, "runtime.")
		if panicking && !inRuntime {
			return fmt.Sprintf(" at %s:%d in %s", shown(frame.File), frame.Line, frame.Function)
		}
		panicking = panicking || frame.Function == "runtime.gopanic"
		if !more {
			return ""
		}
	}
}

// shown is a source file as a report shows it: from the working folder, else its base name (a
// path that is not absolute, from -trimpath, as it is).
func shown(file string) string {
	if !filepath.IsAbs(file) {
		return file
	}
	if cwd, err := os.Getwd(); err == nil {
		if relative, err := filepath.Rel(cwd, file); err == nil && !strings.HasPrefix(relative, "..") {
			return relative
		}
	}
	return filepath.Base(file)
}

func crash(value any) {
	site := panicSite()
	fmt.Fprintf(os.Stderr, "panic: %v\n\n%s", value, debug.Stack())
	fmt.Fprintf(os.Stderr, "crash: panic: %s%s\n", oneLine(fmt.Sprint(value)), site)
	os.Exit(CrashStatus)
}
