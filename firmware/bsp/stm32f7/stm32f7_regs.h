/* STM32F74x/75x peripherals the BSP touches (RM0385). Each base address is
 * behind one macro so the host tests can point it at a register block in RAM
 * (TK_BSP_FAKE_REGISTERS) and check what the clock and console code writes. */
#ifndef TK_STM32F7_REGS_H
#define TK_STM32F7_REGS_H

#include <stdint.h>

#include "stm32_gpio.h"
#include "stm32_layout.h"
#include "stm32_usart.h"

typedef struct {
    volatile uint32_t CR;          /* 0x00 */
    volatile uint32_t PLLCFGR;     /* 0x04 */
    volatile uint32_t CFGR;        /* 0x08 */
    volatile uint32_t CIR;         /* 0x0C */
    volatile uint32_t AHB1RSTR;    /* 0x10 */
    volatile uint32_t AHB2RSTR;    /* 0x14 */
    volatile uint32_t AHB3RSTR;    /* 0x18 */
    uint32_t reserved0;            /* 0x1C */
    volatile uint32_t APB1RSTR;    /* 0x20 */
    volatile uint32_t APB2RSTR;    /* 0x24 */
    uint32_t reserved1[2];         /* 0x28 */
    volatile uint32_t AHB1ENR;     /* 0x30 */
    volatile uint32_t AHB2ENR;     /* 0x34 */
    volatile uint32_t AHB3ENR;     /* 0x38 */
    uint32_t reserved2;            /* 0x3C */
    volatile uint32_t APB1ENR;     /* 0x40 */
    volatile uint32_t APB2ENR;     /* 0x44 */
} tk_stm32f7_rcc;

typedef struct {
    volatile uint32_t ACR; /* 0x00 LATENCY bits 3:0, PRFTEN bit 8, ARTEN bit 9 */
} tk_stm32f7_flash;

typedef struct {
    volatile uint32_t CR1;  /* 0x00 VOS bits 15:14, ODEN bit 16, ODSWEN bit 17 */
    volatile uint32_t CSR1; /* 0x04 ODRDY bit 16, ODSWRDY bit 17 */
} tk_stm32f7_pwr;

TK_STM32_CHECK_OFFSET(tk_stm32f7_rcc, APB1ENR, 0x40u);

#if defined(TK_BSP_FAKE_REGISTERS)
extern tk_stm32f7_rcc tk_fake_rcc;
extern tk_stm32f7_flash tk_fake_flash;
extern tk_stm32f7_pwr tk_fake_pwr;
extern tk_stm32_gpio tk_fake_gpiod;
extern tk_stm32_usart tk_fake_usart3;
#define TK_STM32F7_RCC (&tk_fake_rcc)
#define TK_STM32F7_FLASH (&tk_fake_flash)
#define TK_STM32F7_PWR (&tk_fake_pwr)
#define TK_STM32F7_GPIOD (&tk_fake_gpiod)
#define TK_STM32F7_USART3 (&tk_fake_usart3)
#else
#define TK_STM32F7_RCC ((tk_stm32f7_rcc *)0x40023800u)
#define TK_STM32F7_FLASH ((tk_stm32f7_flash *)0x40023C00u)
#define TK_STM32F7_PWR ((tk_stm32f7_pwr *)0x40007000u)
#define TK_STM32F7_GPIOD ((tk_stm32_gpio *)0x40020C00u)
#define TK_STM32F7_USART3 ((tk_stm32_usart *)0x40004800u)
#endif

#endif /* TK_STM32F7_REGS_H */
