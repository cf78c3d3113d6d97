build-clang/src/monitor.o: src/monitor.c include/httpsmon/monitor.h \
  include/httpsmon/config.h include/httpsmon/jsoncond.h \
  include/httpsmon/rx.h include/httpsmon/util.h include/httpsmon/flap.h \
  include/httpsmon/verdict.h include/httpsmon/probe.h \
  include/httpsmon/cert.h include/httpsmon/store.h

include/httpsmon/monitor.h:

include/httpsmon/config.h:

include/httpsmon/jsoncond.h:

include/httpsmon/rx.h:

include/httpsmon/util.h:

include/httpsmon/flap.h:

include/httpsmon/verdict.h:

include/httpsmon/probe.h:

include/httpsmon/cert.h:

include/httpsmon/store.h:
