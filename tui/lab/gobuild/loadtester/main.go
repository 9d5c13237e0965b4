// Flagger's loadtester (github.com/fluxcd/flagger/pkg/loadtester at the pinned version) listening on one address.
//
// cmd/loadtester serves on ":"+port, every interface, and its task route runs bash and sh commands from any
// POST. The lab binds loopback only, so this main wires the same logger, task runner, gate storage and
// authorizer as cmd/loadtester and lets pkg/loadtester register its routes, then serves them on -listen.
// pkg/loadtester's own server is given an unusable port: its listen error goes to a fatal hook that ends only
// that goroutine instead of the process.
package main

import (
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"regexp"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fluxcd/flagger/pkg/loadtester"
	"github.com/fluxcd/flagger/pkg/logger"
	"github.com/fluxcd/flagger/pkg/signals"
)

// fatalHook ends the goroutine that logged at fatal level and says so once.
type fatalHook struct{ fired chan struct{} }

func (h fatalHook) OnWrite(*zapcore.CheckedEntry, []zapcore.Field) {
	select {
	case h.fired <- struct{}{}:
	default:
	}
	zapcore.WriteThenGoexit.OnWrite(nil, nil)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:9090", "Address to listen on (host:port).")
	logLevel := flag.String("log-level", "info", "Log level can be: debug, info, warning, error.")
	timeout := flag.Duration("timeout", time.Hour, "Load test exec timeout.")
	namespaceRegexp := flag.String("namespace-regexp", "", "Restrict access to canaries in matching namespaces.")
	flag.Parse()

	sugared, err := logger.NewLoggerWithEncoding(*logLevel, "json")
	if err != nil {
		log.Fatalf("Error creating logger: %v", err)
	}
	hook := fatalHook{fired: make(chan struct{}, 1)}
	quiet := sugared.Desugar().WithOptions(zap.WithFatalHook(hook)).Sugar()
	defer sugared.Sync()

	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		sugared.Fatalf("listen %s: %v", *listen, err)
	}
	stopCh := signals.SetupSignalHandler()
	taskRunner := loadtester.NewTaskRunner(sugared, *timeout)
	go taskRunner.Start(100*time.Millisecond, stopCh)
	gateStorage := loadtester.NewGateStorage("in-memory")
	var compiled *regexp.Regexp
	if *namespaceRegexp != "" {
		compiled = regexp.MustCompile(*namespaceRegexp)
	}
	authorizer := loadtester.NewAuthorizer(compiled)

	go func() {
		// Port "-1" cannot be listened on: pkg/loadtester registers its routes on http.DefaultServeMux, then its
		// server's listen fails and the fatal hook ends that goroutine; SIGTERM still ends this one.
		loadtester.ListenAndServe("-1", time.Minute, quiet, taskRunner, gateStorage, authorizer, stopCh)
	}()
	<-hook.fired
	sugared.Infof("Starting load tester API on %s", listener.Addr())
	srv := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			sugared.Fatalf("HTTP server crashed %v", err)
		}
	}()
	<-stopCh
	_ = srv.Close()
	sugared.Info("HTTP server stopped")
}
