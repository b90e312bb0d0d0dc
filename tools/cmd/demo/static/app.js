/* global io */
'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var socket = io(); // same origin, path /socket.io, polling then WebSocket
  var me = null;

  function status(on, text) { $('status').className = on ? 'on' : 'off'; $('status').textContent = text; }
  socket.on('connect', function () {
    status(true, 'connected (' + socket.io.engine.transport.name + ')');
    socket.io.engine.once('upgrade', function (t) { status(true, 'connected (' + t.name + ')'); });
    if (me) socket.emit('login', me, entered); // back after a reconnect
  });
  socket.on('disconnect', function (reason) { status(false, 'disconnected: ' + reason); });
  socket.on('reconnecting', function (n) { status(false, 'reconnecting… (' + n + ')'); });
  socket.on('online', function (n) { $('online').textContent = n + ' online'; });

  function time(ms) { return new Date(ms).toLocaleTimeString(); }
  function add(li) { var log = $('log'); log.appendChild(li); log.scrollTop = log.scrollHeight; }
  function info(text) { var li = document.createElement('li'); li.className = 'info'; li.textContent = text; add(li); }
  function show(m) {
    var li = document.createElement('li');
    var meta = document.createElement('span'); meta.className = 'meta'; meta.textContent = time(m.time);
    var nick = document.createElement('span'); nick.className = 'nick'; nick.textContent = m.nick;
    li.appendChild(meta); li.appendChild(nick);
    if (m.kind === 'file') {
      // binary attachment: an ArrayBuffer in the browser
      var url = URL.createObjectURL(new Blob([m.data], { type: m.type || 'application/octet-stream' }));
      if (/^image\//.test(m.type)) {
        var img = document.createElement('img'); img.src = url; img.alt = m.name; li.appendChild(img);
      } else {
        var a = document.createElement('a'); a.href = url; a.download = m.name;
        a.textContent = m.name + ' (' + m.data.byteLength + ' bytes)'; li.appendChild(a);
      }
    } else {
      li.appendChild(document.createTextNode(m.text));
    }
    add(li);
  }

  function entered(res) {
    if (res.error) { $('login-error').textContent = res.error; return; }
    me = { nick: res.nick, room: res.room };
    $('login').hidden = true; $('chat').hidden = false;
    $('room-name').textContent = res.room;
    $('log').innerHTML = '';
    info('you are ' + res.nick + ' in ' + res.room);
    res.history.forEach(show);
    $('text').focus();
  }

  $('login').onsubmit = function (e) {
    e.preventDefault();
    socket.emit('login', { nick: $('nick').value, room: $('room').value }, entered);
  };
  $('switch').onsubmit = function (e) {
    e.preventDefault();
    socket.emit('join', $('new-room').value, entered);
    $('new-room').value = '';
  };
  $('say').onsubmit = function (e) {
    e.preventDefault();
    var text = $('text').value;
    if (!text.trim()) return;
    socket.emit('say', text); // the server echoes it to the whole room
    $('text').value = '';
  };
  var lastTyping = 0;
  $('text').oninput = function () {
    var now = Date.now();
    if (now - lastTyping > 1000) { lastTyping = now; socket.emit('typing', true); }
  };
  $('file').onchange = function () {
    var f = this.files[0];
    if (!f) return;
    var r = new FileReader();
    r.onload = function () {
      socket.emit('file', { name: f.name, type: f.type, data: r.result }, function (res) {
        if (res && res.error) info(res.error);
      });
    };
    r.readAsArrayBuffer(f);
    this.value = '';
  };

  socket.on('message', show);
  socket.on('joined', function (e) { info(e.nick + ' joined ' + e.room); });
  socket.on('left', function (e) { info(e.nick + ' left ' + e.room); });
  var typingTimer = null;
  socket.on('typing', function (nick) {
    $('typing').textContent = nick + ' is typing…';
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { $('typing').textContent = ''; }, 2000);
  });
})();
