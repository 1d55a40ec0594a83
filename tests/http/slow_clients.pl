#!/usr/bin/perl
# slow_clients.pl - slow clients for the connection-gate tests (t1100): opens
# COUNT connections to 127.0.0.1:PORT, spread over source addresses
# 127.0.0.FIRST.. (PER connections each), and keeps each alive the slow way
# for SECONDS: one byte every half second of a request head that never ends
# (mode head), of a TLS record that never ends (mode tls), or nothing at all
# (mode idle). With --reopen a connection the server closed is opened again
# at the next half-second tick.
# Bounded: at most COUNT sockets at once, stops after SECONDS (or once the
# server has closed them all, without --reopen).
# Prints one line:
#   opened=N refused=R expired=E open=O life_min=A life_max=B
# refused: closed by the server within 0.5 s of opening (a limit);
# expired: closed later, while sending (a deadline); open: still open at the
# end; life_min/max: seconds from open to close of the expired ones.
# usage: slow_clients.pl PORT COUNT SECONDS MODE [--first N] [--per N] [--reopen]
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time sleep);
use Getopt::Long;

my ($first, $per, $reopen) = (2, 1000000, 0);
GetOptions('first=i' => \$first, 'per=i' => \$per, 'reopen' => \$reopen) or exit 2;
my ($port, $count, $seconds, $mode) = @ARGV;
die "usage: slow_clients.pl PORT COUNT SECONDS head|tls|idle [--first N] [--per N] [--reopen]\n"
	unless defined $mode && $mode =~ /^(head|tls|idle)$/;

# what each connection dribbles: its first bytes at once, then one a tick
my $start = $mode eq 'head' ? "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " :
            $mode eq 'tls' ? "\x16\x03\x01\x02\x00" : '';
my (%conns, $opened, $refused, $expired, @life);
($opened, $refused, $expired) = (0, 0, 0);
my $sel = IO::Select->new;
my @again;   # slots to open again at the next tick
$SIG{PIPE} = 'IGNORE';

sub open_one {
	my ($slot) = @_;
	my $src = "127.0.0." . ($first + int($slot / $per));
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", LocalAddr => $src,
	                              Proto => 'tcp', Blocking => 1) or return;
	$s->blocking(0);
	syswrite($s, $start) if length $start;
	$conns{fileno $s} = { s => $s, slot => $slot, t => time };
	$sel->add($s);
	$opened++;
}

sub closed {
	my ($c) = @_;
	my $age = time - $c->{t};
	$sel->remove($c->{s});
	delete $conns{fileno $c->{s}};
	close $c->{s};
	if ($age < 0.5) { $refused++ } else { $expired++; push @life, $age }
	push @again, $c->{slot} if $reopen;
}

open_one($_) for 0 .. $count - 1;
my $end = time + $seconds;
my $tick = time;
while (time < $end && (%conns || @again)) {
	for my $s ($sel->can_read(0.05)) {
		my $c = $conns{fileno $s} or next;
		my $n = sysread($s, my $buf, 4096);
		closed($c) if defined $n && $n == 0 || !defined $n && !$!{EAGAIN};
	}
	next if time < $tick + 0.5;
	$tick = time;
	open_one(shift @again) while @again;
	next if $mode eq 'idle';
	for my $c (values %conns) {
		my $n = syswrite($c->{s}, 'a');
		closed($c) if !defined $n && !$!{EAGAIN};
	}
}
@life = sort { $a <=> $b } @life;
printf "opened=%d refused=%d expired=%d open=%d life_min=%.1f life_max=%.1f\n", $opened,
	$refused, $expired, scalar keys %conns, @life ? ($life[0], $life[-1]) : (0, 0);
