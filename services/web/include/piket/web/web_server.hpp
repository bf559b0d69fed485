#pragma once
// The web service's HTTP server is common::HttpServer with its streaming
// handler: plain answers, plus server-sent-events streams that stay open and
// receive frames through an EventChannel. These names are the web's view.

#include "piket/common/http_server.hpp"
#include "piket/web/event_channel.hpp"

namespace piket::web {

using WebReply = common::HttpReply;
using WebHandler = common::StreamingHandler;
using WebServerOptions = common::HttpServerOptions;
using WebServer = common::HttpServer;

}  // namespace piket::web
