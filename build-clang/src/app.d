build-clang/src/app.o: src/app.c include/httpsmon/app.h \
  include/httpsmon/monitor.h include/httpsmon/config.h \
  include/httpsmon/jsoncond.h include/httpsmon/rx.h \
  include/httpsmon/util.h include/httpsmon/flap.h \
  include/httpsmon/verdict.h include/httpsmon/probe.h \
  include/httpsmon/cert.h include/httpsmon/store.h \
  include/httpsmon/sched.h

include/httpsmon/app.h:

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

include/httpsmon/sched.h:
