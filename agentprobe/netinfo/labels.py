"""The words Windows' own tools print, in the display languages agents' PCs use.

`netsh` and `ipconfig` have no language-independent output: labels, adapter headers and
values ("connected", "Media disconnected") follow the display language, and no locale
variable changes that. The text parsers are the fallback behind PowerShell's objects and
the Native Wifi API, so they match labels by keywords (lower case, parentheses dropped)
taken from real outputs in English, German, French, Spanish, Italian, Portuguese, Chinese
and Japanese. Each tuple lists fragments; a label matches when it contains one.
"""

from __future__ import annotations

import re

# netsh wlan show interfaces
STATE = ("state", "status", "état", "estado", "stato", "状态", "状態")
CONNECTED = (
    "connected", "verbunden", "connecté", "conectado", "connesso", "connessa", "ligado",
    "已连接", "接続されました", "接続済み",
)  # fmt: skip
BSSID = ("bssid", "point d'accès", "point d’accès")
SIGNAL = ("signal", "señal", "segnale", "sinal", "信号", "シグナル")
RSSI = ("rssi",)
CHANNEL = ("channel", "kanal", "canal", "canale", "信道", "通道", "频道", "チャネル")
BAND = ("band", "bereich", "bande", "banda", "频带", "波段", "帯域", "バンド")
RECEIVE = ("receive", "empfang", "réception", "recepción", "ricezione", "receção", "recepção",
           "接收", "受信")  # fmt: skip
TRANSMIT = ("transmit", "übertragung", "transmission", "transmisión", "trasmissione",
            "transmissão", "传输", "发送", "送信")  # fmt: skip

# ipconfig /all
DESCRIPTION = ("description", "beschreibung", "descripción", "descrizione", "descrição",
               "描述", "説明")  # fmt: skip
PHYSICAL = ("physical address", "physische adresse", "adresse physique", "dirección física",
            "indirizzo fisico", "endereço físico", "物理地址", "物理アドレス")  # fmt: skip
IPV4 = ("ipv4",)
MASK = ("mask", "maske", "masque", "máscara", "maschera", "掩码", "マスク")
GATEWAY = ("gateway", "passerelle", "puerta de enlace", "网关", "ゲートウェイ")
MEDIA = ("media state", "medienstatus", "état du média", "statut du média",
         "estado de los medios", "stato supporto", "estado da mídia", "estado do suporte",
         "媒体状态", "メディアの状態")  # fmt: skip
DISCONNECTED = ("disconnected", "getrennt", "déconnecté", "desconectad", "disconness", "断开",
                "接続されていません")  # fmt: skip
WIFI_HEADER = ("wireless", "drahtlos", "wlan", "wi-fi", "sans fil", "inalámbrica", "sem fio",
               "无线", "ワイヤレス")  # fmt: skip
CELLULAR_HEADER = ("mobile broadband", "mobiles breitband", "haut débit mobile",
                   "banda ancha móvil", "banda larga mobile", "banda larga móvel", "移动宽带",
                   "モバイル ブロードバンド")  # fmt: skip
ETHERNET_HEADER = ("ethernet", "以太网", "イーサネット")
PPP_HEADER = ("ppp",)
# What precedes the adapter's name in an ipconfig header ("Ethernet adapter Ethernet 2:").
ADAPTER_PREFIX = re.compile(
    r"^(?:(?:ethernet|wireless lan|unknown|ppp|tunnel|mobile broadband) adapter"
    r"|(?:ethernet|drahtlos-lan|ppp|mobiles breitband)-adapter|unbekannter adapter|tunneladapter"
    r"|carte (?:ethernet|réseau sans fil|inconnue|tunnel|ppp)"
    r"|adaptador (?:de )?(?:ethernet|lan inalámbrica|rede sem fio|túnel|ppp)"
    r"|adaptador desconocido|adaptador desconhecido"
    r"|scheda (?:ethernet|lan wireless|sconosciuta|tunnel|ppp)"
    r"|以太网适配器|无线局域网适配器|未知适配器|隧道适配器|ppp 适配器"
    r"|イーサネット アダプター|不明なアダプター|トンネル アダプター|ppp アダプター)\s*",
    re.I,
)
TUNNEL_HEADER = ("tunnel", "tunnel-adapter", "隧道", "トンネル")

_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def normal(label: str) -> str:
    """A label in lower case without parenthesised units: "Kanal", "réception"."""
    return _PARENTHESES.sub("", label).strip(" .\u3000").lower()


def has(label: str, words: tuple[str, ...]) -> bool:
    text = normal(label)
    return any(word in text for word in words)
