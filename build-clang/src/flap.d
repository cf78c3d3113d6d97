build-clang/src/flap.o: src/flap.c include/httpsmon/flap.h \
  include/httpsmon/verdict.h include/httpsmon/config.h \
  include/httpsmon/jsoncond.h include/httpsmon/rx.h \
  include/httpsmon/util.h include/httpsmon/probe.h \
  include/httpsmon/cert.h

include/httpsmon/flap.h:

include/httpsmon/verdict.h:

include/httpsmon/config.h:

include/httpsmon/jsoncond.h:

include/httpsmon/rx.h:

include/httpsmon/util.h:

include/httpsmon/probe.h:

include/httpsmon/cert.h:
